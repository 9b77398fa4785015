/** The host agent's network data plane: what the agent's main loop and its server reconciler use. */
export { NetPlane, type PlugOptions } from './netplane.js';
export { metadataSocket, netplanePrefixes, registrySocket, segmentNamespace, routerNamespace, uplinkLink } from './names.js';
export { proxyUser, stopMetadataProxies } from './metadata-proxy.js';
