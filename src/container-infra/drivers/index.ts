/** The drivers this build has, in one registry keyed by (server_type, os_distro, coe). */
import { DriverRegistry } from './driver.js';
import { kubernetesDriver } from './kubernetes.js';
import { swarmModeDriver } from './swarm-mode/index.js';

export * from './driver.js';
export { KUBERNETES_UNAVAILABLE, kubernetesDriver } from './kubernetes.js';
export { swarmModeDriver } from './swarm-mode/index.js';

/** A registry of the built-in drivers (swarm-mode and the refusing Kubernetes one). */
export function defaultDrivers(): DriverRegistry {
  return new DriverRegistry([swarmModeDriver, kubernetesDriver]);
}
