/**
 * COE `kubernetes`: templates are accepted (the registry knows the key, so the API does not refuse them
 * as an unsupported cluster type), but this host has no Kubernetes binaries, so rendering a cluster's
 * stack fails with the reason the conductor records (CREATE_FAILED). A real driver would render its
 * control plane and kubelets here, report `/healthz` and `/api/v1/nodes` in health(), and cordon/drain
 * and delete Node objects in drain() and forget(): the interface is the one the Swarm driver implements.
 */
import type { ClusterFacts, CoeAccess, DrainResult, Driver, HealthReport, NodeRef, StackDefinition } from './driver.js';
import { DriverError } from './driver.js';

export const KUBERNETES_UNAVAILABLE = 'the Kubernetes driver has no binaries on this host (kubelet, kube-apiserver are not installed)';

export const kubernetesDriver: Driver = {
  name: 'k8s_debian_v1',
  provides: ['debian', 'ubuntu', 'fedora-coreos', 'fedora-atomic'].map((os) => ({ serverType: 'vm' as const, os, coe: 'kubernetes' as const })),
  stack(): StackDefinition {
    throw new DriverError(KUBERNETES_UNAVAILABLE);
  },
  outputs(): ClusterFacts {
    return { apiAddress: null, masterAddresses: [], nodeAddresses: [], masterIds: [], nodeIds: [], nodes: [], coeVersion: null };
  },
  async health(_access: CoeAccess): Promise<HealthReport> {
    return { status: 'UNKNOWN', reason: { api: KUBERNETES_UNAVAILABLE }, nodes: [], missing: [] };
  },
  async drain(_access: CoeAccess, nodes: readonly NodeRef[]): Promise<DrainResult> {
    return { drained: [], unknown: [...nodes], tasksLeft: 0 };
  },
  async forget(): Promise<string[]> {
    return [];
  },
};
