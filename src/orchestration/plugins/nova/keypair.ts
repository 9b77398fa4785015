/**
 * OS::Nova::KeyPair (heat/engine/resources/openstack/nova/keypair.py): a key pair, imported from
 * `public_key` or generated. Its physical id is its name (key pairs are named per user), which makes a
 * retried create find it. A generated private key is only returned by Nova once, so it is kept with the
 * resource when save_private_key is set, as Heat keeps it.
 */
import type { ResourcePlugin } from '../types.js';
import { ignoreNotFound, isNotFound } from '../service-common.js';

export const keyPairPlugin: ResourcePlugin = {
  type: 'OS::Nova::KeyPair',
  description: 'A resource for creating Nova key pairs.',
  since: '2014.1',
  properties: {
    name: { type: 'string', description: 'The name of the key pair.', required: true },
    save_private_key: { type: 'boolean', description: 'True if the system should remember a generated private key; False otherwise.', default: false },
    type: { type: 'string', description: 'Keypair type. Supported since Nova api version 2.2.', constraints: [{ allowed_values: ['ssh', 'x509'] }] },
    public_key: { type: 'string', description: 'The optional public key. This allows users to supply the public key from a pre-existing key pair. If not supplied, a new key pair will be generated.' },
    user: { type: 'string', description: 'ID or name of user to whom to add key-pair. The usage of this property is limited to being used by administrators only. Supported since Nova api version 2.10.' },
  },
  attributes: {
    public_key: { description: 'The public key.', type: 'string' },
    private_key: { description: 'The private key if it has been saved.', type: 'string' },
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const name = String(props.name);
    let key;
    try {
      key = await ctx.clients.compute.getKeypair(token, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      key = await ctx.clients.compute.createKeypair(token, name, typeof props.public_key === 'string' ? props.public_key : undefined);
    }
    const privateKey = props.save_private_key === true && key.private_key ? key.private_key : '';
    return { physicalId: name, attributes: { public_key: key.public_key, private_key: privateKey } };
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    await ignoreNotFound(() => ctx.clients.compute.deleteKeypair(token, ctx.resource.physicalId!));
  },
};
