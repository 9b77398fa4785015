/**
 * Checks of the OpenStack resources a template or cluster names, as the caller (Magnum's
 * api/attr_validator.py): the image exists, is visible and carries `os_distro` (which becomes the
 * template's cluster_distro); flavors and keypairs exist in Nova; the external network exists and is
 * `router:external`; fixed networks and subnets exist. A missing resource is a 400 in Magnum.
 */
import type { ComputeClient } from '../compute/client.js';
import type { ImageClient, ImageRecord } from '../image/client.js';
import type { NetworkClient } from '../network/client.js';
import { NotFound, isFault } from '../platform/errors.js';
import { MagnumFault, conflict } from './errors.js';

export interface ResourceChecks {
  /** The image's os_distro (400 ImageNotFound / OSDistroFieldNotFound, 409 when a name is ambiguous). */
  imageDistro(token: string, image: string): Promise<string>;
  flavor(token: string, flavor: string): Promise<void>;
  keypair(token: string, keypair: string): Promise<void>;
  externalNetwork(token: string, network: string): Promise<void>;
  fixedNetwork(token: string, network: string): Promise<void>;
  fixedSubnet(token: string, subnet: string): Promise<void>;
}

const bad = (type: string, message: string): MagnumFault => new MagnumFault(400, type, message);
const isNotFound = (err: unknown): boolean => err instanceof NotFound || (isFault(err) && err.status === 404);
const UUIDISH = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** The checks over Flotilla's own image, compute and network APIs. */
export function serviceChecks(clients: { image: ImageClient; compute: ComputeClient; network: NetworkClient }): ResourceChecks {
  const findImage = async (token: string, ref: string): Promise<ImageRecord> => {
    if (UUIDISH.test(ref)) {
      try { return await clients.image.get(token, ref); } catch (err) { if (!isNotFound(err)) throw err; }
    }
    const named = (await clients.image.listAll(token, { name: ref })).filter((i) => i.name === ref);
    if (named.length > 1) throw conflict('Conflict', `Multiple images exist with same name ${ref}. Please use the image id instead.`);
    if (named.length === 0) throw bad('ImageNotFound', `Image ${ref} could not be found.`);
    return named[0]!;
  };
  const byIdOrName = async <T extends { id: string; name?: string | null }>(list: Promise<T[]>, ref: string, type: string, message: string): Promise<T> => {
    const items = await list;
    const hit = items.find((i) => i.id === ref) ?? items.filter((i) => i.name === ref)[0];
    if (!hit) throw bad(type, message);
    return hit;
  };
  return {
    async imageDistro(token, ref) {
      const image = await findImage(token, ref);
      const distro = image.os_distro;
      if (typeof distro !== 'string' || distro === '') throw bad('OSDistroFieldNotFound', `Image ${ref} doesn't contain os_distro field.`);
      return distro;
    },
    async flavor(token, ref) {
      await byIdOrName(clients.compute.listFlavors(token), ref, 'FlavorNotFound', `Unable to find flavor ${ref}.`);
    },
    async keypair(token, ref) {
      try { await clients.compute.getKeypair(token, ref); } catch (err) {
        if (isNotFound(err)) throw bad('KeyPairNotFound', `Unable to find keypair ${ref}.`);
        throw err;
      }
    },
    async externalNetwork(token, ref) {
      const net = await byIdOrName(clients.network.listNetworks(token), ref, 'ExternalNetworkNotFound', `External network ${ref} could not be found.`);
      if (net['router:external'] !== true) throw bad('InvalidParameterValue', `${ref} is not an external network.`);
    },
    async fixedNetwork(token, ref) {
      await byIdOrName(clients.network.listNetworks(token), ref, 'FixedNetworkNotFound', `Fixed network ${ref} could not be found.`);
    },
    async fixedSubnet(token, ref) {
      await byIdOrName(clients.network.listSubnets(token), ref, 'FixedSubnetNotFound', `Fixed subnet ${ref} could not be found.`);
    },
  };
}
