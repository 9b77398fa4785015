/**
 * OS::Nova::Flavor (heat/engine/resources/openstack/nova/flavor.py): a flavor (admins only, as in Nova),
 * named after the resource unless `name` is given; extra_specs change in place. A retried create finds
 * the flavor by its name.
 */
import type { NovaFlavor } from '../../../compute/client.js';
import type { ResourcePlugin } from '../types.js';
import { defined, ignoreNotFound, stableName } from '../service-common.js';

const specs = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((v ?? {}) as Record<string, unknown>).map(([k, x]) => [k, String(x)]));

export const flavorPlugin: ResourcePlugin = {
  type: 'OS::Nova::Flavor',
  description: 'A resource for creating OpenStack virtual hardware templates.',
  since: '2014.2',
  properties: {
    name: { type: 'string', description: 'Name of the flavor.' },
    ram: { type: 'integer', description: 'Memory in MB for the flavor.', required: true },
    vcpus: { type: 'integer', description: 'Number of VCPUs for the flavor.', required: true },
    disk: { type: 'integer', description: 'Size of local disk in GB. The "0" size is a special case that uses the native base image size as the size of the ephemeral root volume.', default: 0 },
    swap: { type: 'integer', description: 'Swap space in MB.', default: 0 },
    ephemeral: { type: 'integer', description: 'Size of a secondary ephemeral data disk in GB.', default: 0 },
    rxtx_factor: { type: 'number', description: 'RX/TX factor.', default: 1.0 },
    extra_specs: { type: 'map', description: 'Key/Value pairs to extend the capabilities of the flavor.', updateAllowed: true },
    flavorid: { type: 'string', description: 'Unique ID of the flavor. If not specified, an UUID will be auto generated and used.' },
    is_public: { type: 'boolean', description: 'Scope of flavor accessibility. Public or private. Default value is True, means public, shared across all projects.', default: true },
    tenants: { type: 'list', description: 'List of tenants.', default: [], updateAllowed: true },
    description: { type: 'string', description: 'A description of the flavor.', updateAllowed: true },
  },
  attributes: {
    is_public: { description: 'Whether the flavor is shared across all projects.', type: 'boolean' },
    extra_specs: { description: 'Extra specs of the flavor in key-value pairs.', type: 'map' },
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const compute = ctx.clients.compute;
    const name = String(props.name ?? stableName(ctx));
    let flavor: NovaFlavor | undefined = (await compute.listFlavors(token)).find((f) => f.name === name);
    flavor ??= await compute.createFlavor(token, defined({
      name, ram: props.ram, vcpus: props.vcpus, disk: props.disk, swap: props.swap, 'OS-FLV-EXT-DATA:ephemeral': props.ephemeral,
      rxtx_factor: props.rxtx_factor, id: props.flavorid, 'os-flavor-access:is_public': props.is_public, description: props.description,
    }));
    await ctx.savePhysicalId(flavor.id);
    if (props.extra_specs) await compute.setFlavorExtraSpecs(token, flavor.id, specs(props.extra_specs));
    if (props.is_public === false) for (const t of (props.tenants as unknown[] | undefined) ?? []) await compute.addFlavorAccess(token, flavor.id, String(t)).catch(() => undefined);
    return { physicalId: flavor.id, attributes: { is_public: props.is_public !== false, extra_specs: specs(props.extra_specs) } };
  },
  async update(ctx, props) {
    const token = await ctx.clients.token();
    if (props.extra_specs) await ctx.clients.compute.setFlavorExtraSpecs(token, ctx.resource.physicalId!, specs(props.extra_specs));
    return { physicalId: ctx.resource.physicalId, attributes: { is_public: props.is_public !== false, extra_specs: specs(props.extra_specs) } };
  },
  async delete(ctx) {
    if (!ctx.resource.physicalId) return;
    const token = await ctx.clients.token();
    await ignoreNotFound(() => ctx.clients.compute.deleteFlavor(token, ctx.resource.physicalId!));
  },
};
