/**
 * Builds the StackClients plugins receive: the service clients (one per service, shared by every stack)
 * with the stack's token source, and fresh reads of the stack's own rows.
 */
import { ComputeClient } from '../../compute/client.js';
import { NetworkClient } from '../../network/client.js';
import { IdentityClient } from '../../identity/client.js';
import { ImageClient } from '../../image/client.js';
import type { StackId } from '../model.js';
import { stackResources, type Db } from '../store.js';
import { currentRow } from '../engine/run.js';
import type { StackClients } from './types.js';

export type ServiceClients = Pick<StackClients, 'compute' | 'network' | 'identity' | 'image'>;

/** One client per service, from the services' root URLs (identity's is its /v3 base). */
export function serviceClients(urls: { compute: string; network: string; identity: string | IdentityClient; image: string }): ServiceClients {
  return {
    compute: new ComputeClient(urls.compute), network: new NetworkClient(urls.network), image: new ImageClient(urls.image),
    identity: typeof urls.identity === 'string' ? new IdentityClient(urls.identity) : urls.identity,
  };
}

/** Clients for engines with no other services beside them (unit tests): every call fails as unreachable. */
export const NO_SERVICES: ServiceClients = serviceClients({
  compute: 'http://127.0.0.1:9', network: 'http://127.0.0.1:9', identity: 'http://127.0.0.1:9/v3', image: 'http://127.0.0.1:9',
});

/** The clients of one stack. */
export function stackClients(db: Db, stack: { id: StackId; projectId: string }, services: ServiceClients, token: () => Promise<string>): StackClients {
  return {
    projectId: stack.projectId,
    token,
    ...services,
    resourceRow: async (name) => currentRow(await stackResources(db, stack.id), name),
    resourceRows: async () => (await stackResources(db, stack.id)).filter((r) => !(r.action === 'DELETE' && r.status === 'COMPLETE')),
  };
}
