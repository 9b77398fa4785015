/**
 * The external network every cloud starts with (docs/design/networks.md, "The external network"):
 * `public` (admin's, router:external, flat on physical network `public`) with `public-subnet` over the
 * floating pool, gateway = the pool's first address (the hosts' br-ex), no DHCP. Idempotent and safe when
 * two processes start at once: the check and the create run under one lock row, so one of them creates
 * and the other finds it.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { inTransaction } from '../platform/db/database.js';
import type { NetworkTables } from './tables.js';
import { now } from './context.js';
import { retryOnConflict } from './common.js';
import { formatCidr, parseCidr } from './ipv4.js';
import { bumpPlan, lockKey } from './quotas/service.js';
import { FLAT_MTU, networkToRow } from './networks/store.js';
import { subnetToRow } from './subnets/store.js';
import { checkPrefix, defaultGateway, poolsFor } from './subnets/validate.js';

/** The floating pool unless FLOTILLA_PUBLIC_POOL says otherwise (design: 198.19.128.0/17). */
export const DEFAULT_PUBLIC_POOL = '198.19.128.0/17';
/** The external network's name; its subnet is the pool every host routes into its external segment. */
export const PUBLIC_NETWORK_NAME = 'public';
export const PUBLIC_SUBNET_NAME = 'public-subnet';
export const PUBLIC_PHYSICAL_NETWORK = 'public';

export interface ExternalNetwork { networkId: string; subnetId: string; created: boolean }

/**
 * Creates `public` and `public-subnet` for `adminProjectId` unless an external network named `public`
 * exists (then returns it, with its oldest subnet, creating the subnet only if it has none).
 */
export async function ensureExternalNetwork(db: Kysely<NetworkTables>, opts: { adminProjectId: string; pool?: string }): Promise<ExternalNetwork> {
  const poolText = opts.pool ?? DEFAULT_PUBLIC_POOL;
  const parsed = parseCidr(poolText);
  if (!parsed || !poolText.includes('/')) throw new Error(`The public pool ${poolText} is not an IPv4 CIDR.`);
  const cidr = formatCidr(parsed.cidr);
  checkPrefix(cidr);
  if (opts.adminProjectId === '') throw new Error('The external network needs the admin project id.');
  return retryOnConflict(db, () => inTransaction(db, async (tx) => {
    await lockKey(tx, ':bootstrap-public');
    const t = now();
    let created = false;
    let network = await tx.selectFrom('network').select('id').where('name', '=', PUBLIC_NETWORK_NAME).where('external', '=', 1)
      .orderBy('created_at').executeTakeFirst();
    if (!network) {
      network = { id: randomUUID() };
      await tx.insertInto('network').values(networkToRow({
        id: network.id, projectId: opts.adminProjectId, name: PUBLIC_NETWORK_NAME, description: '', adminStateUp: true, shared: false, external: true,
        mtu: FLAT_MTU, portSecurityEnabled: true, networkType: 'flat', physicalNetwork: PUBLIC_PHYSICAL_NETWORK, segmentationId: null,
        createdAt: t, updatedAt: t, revision: 1,
      })).execute();
      created = true;
    }
    let subnet = await tx.selectFrom('subnet').select('id').where('network_id', '=', network.id).orderBy('created_at').executeTakeFirst();
    if (!subnet) {
      const gateway = defaultGateway(cidr);
      subnet = { id: randomUUID() };
      await tx.insertInto('subnet').values(subnetToRow({
        id: subnet.id, projectId: opts.adminProjectId, networkId: network.id, name: PUBLIC_SUBNET_NAME, description: '', ipVersion: 4, cidr,
        gatewayIp: gateway, enableDhcp: false, allocationPools: poolsFor(cidr, gateway), dnsNameservers: [], hostRoutes: [],
        createdAt: t, updatedAt: t, revision: 1,
      })).execute();
      created = true;
    }
    if (created) await bumpPlan(tx);
    return { networkId: network.id, subnetId: subnet.id, created };
  }));
}
