/**
 * What the conductor needs besides its store and drivers: tokens to act for a cluster's owner, and the
 * APIs of the services a cluster is made of. Narrow on purpose, so the conductor reads top-down.
 */
import type { OrchestrationClient } from '../../orchestration/client.js';
import type { ComputeClient } from '../../compute/client.js';

export interface Trusts {
  /** A token scoped by the cluster's trust: the magnum service user acting as the cluster's owner. */
  token(trustId: string): Promise<string>;
  /** Deletes the trust (as itself: impersonation lets a trust's token delete it). */
  delete(trustId: string): Promise<void>;
}

/** The orchestration and compute APIs, as the cluster's project sees them. */
export interface ProjectApis {
  orchestration(projectId: string): OrchestrationClient;
  compute: ComputeClient;
}
