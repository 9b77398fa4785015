/**
 * The conductor as the service runs it: over the service's store and trusts, with the built-in drivers,
 * talking to orchestration and compute over their APIs (as it would from a process of its own).
 */
import type { Config } from '../../platform/config.js';
import { serviceUrl } from '../../platform/config.js';
import { OrchestrationClient } from '../../orchestration/client.js';
import { ComputeClient } from '../../compute/client.js';
import { defaultDrivers } from '../drivers/index.js';
import type { ConductorParts } from '../index.js';
import { Conductor } from './conductor.js';

export { Conductor, stackNameOf } from './conductor.js';

/** A conductor for the service's parts; needs the cluster trusts (it acts for clusters' owners). */
export function createConductor(config: Config, parts: ConductorParts, opts: { pollMs?: number; checkMs?: number } = {}): Conductor {
  if (!parts.trusts) throw new Error('the conductor needs cluster trusts to act for clusters\' owners');
  const orchestrationUrl = serviceUrl(config, 'orchestration');
  return new Conductor({
    store: parts.store, drivers: defaultDrivers(), trusts: parts.trusts, log: parts.log.child({ component: 'conductor' }), host: parts.host,
    apis: { orchestration: (projectId) => new OrchestrationClient(orchestrationUrl, projectId), compute: new ComputeClient(serviceUrl(config, 'compute')) },
    ...opts,
  });
}
