/**
 * OS::Nova::Server (heat/engine/resources/openstack/nova/server.py): a compute server booted from an
 * image (name or id) with a flavor (name or id), on networks given as networks, ports, fixed IPs or
 * subnets (for a subnet Heat makes an internal port, and so does this), with user_data RAW or
 * SOFTWARE_CONFIG (the id of an OS::Heat::SoftwareConfig, CloudConfig or MultipartMime of the stack,
 * whose config becomes the user data). HEAT_CFNTOOLS, Heat's default format, wraps the user data for
 * heat-cfntools, which Flotilla's images do not carry: it is passed on as RAW.
 *
 * Updates in place, as Heat: name (rename), metadata (replaced), flavor (resize, then confirm: the same
 * server, unless flavor_update_policy is REPLACE), image (rebuild, unless image_update_policy is REPLACE:
 * Heat's default is REBUILD), user_data (replaced by default, user_data_update_policy). A change of the
 * networks replaces the server here (Heat attaches and detaches interfaces).
 *
 * Crash safety: the server's id is stored as soon as Nova answers, before the wait for ACTIVE; a create
 * interrupted between the request and that store finds the server by its name, unless another of the
 * stack's rows holds it (a replacement may share its predecessor's name).
 */
import { Buffer } from 'node:buffer';
import type { NovaServer, ServerCreate } from '../../../compute/client.js';
import type { ResourceContext, ResourceOutcome, ResourcePlugin } from '../types.js';
import { ResourceFailure, UpdateReplace } from '../types.js';
import { ignoreNotFound, isNotFound, looksLikeId, networkId, pick, pollUntil, SHOW_ATTRIBUTE, stableName, subnetId, securityGroupIds } from '../service-common.js';

type Nic = Record<string, unknown>;

/** The stack's software config whose id is `ref` (SoftwareConfig, CloudConfig, MultipartMime), if any. */
export async function softwareConfig(ctx: ResourceContext, ref: string): Promise<string | undefined> {
  const rows = await ctx.clients.resourceRows();
  const row = rows.find((r) => r.physicalId === ref && typeof r.attributes.config === 'string');
  return row ? String(row.attributes.config) : undefined;
}

async function imageId(ctx: ResourceContext, token: string, ref: string): Promise<string> {
  if (looksLikeId(ref)) {
    try { return (await ctx.clients.image.get(token, ref)).id; } catch (err) { if (!isNotFound(err)) throw err; }
  }
  const images = (await ctx.clients.image.listAll(token, { name: ref })).map((i) => ({ id: i.id, name: i.name ?? '' }));
  return pick(images, ref, 'image').id;
}

async function flavorOf(ctx: ResourceContext, token: string, ref: string): Promise<{ id: string; name: string }> {
  return pick(await ctx.clients.compute.listFlavors(token), ref, 'flavor');
}

async function userData(ctx: ResourceContext, props: Record<string, unknown>): Promise<string | undefined> {
  const raw = typeof props.user_data === 'string' ? props.user_data : '';
  if (raw === '') return undefined;
  const text = props.user_data_format === 'SOFTWARE_CONFIG' ? await softwareConfig(ctx, raw) ?? raw : raw;
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Nova's metadata values are strings; Heat JSON-encodes the others. */
function metadataOf(props: Record<string, unknown>): Record<string, string> {
  const m = (props.metadata ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** Nova's `networks` from Heat's, making (or finding again) an internal port for each subnet entry. */
async function nicsOf(ctx: ResourceContext, token: string, serverName: string, props: Record<string, unknown>): Promise<{ nics: ServerCreate['networks']; internalPorts: string[] }> {
  const given = (props.networks as Nic[] | undefined) ?? [];
  if (given.length === 0) return { nics: 'auto', internalPorts: [] };
  const auto = given.find((n) => typeof n.allocate_network === 'string');
  if (auto) return { nics: auto.allocate_network === 'none' ? 'none' : 'auto', internalPorts: [] };
  const nics: Array<{ uuid?: string; port?: string; fixed_ip?: string }> = [];
  const internalPorts: string[] = [];
  const groups = await securityGroupIds(ctx, token, ((props.security_groups as unknown[] | undefined) ?? []).map(String));
  for (const [i, n] of given.entries()) {
    if (typeof n.port === 'string' && n.port !== '') { nics.push({ port: n.port }); continue; }
    const netRef = typeof n.network === 'string' && n.network !== '' ? n.network : typeof n.uuid === 'string' && n.uuid !== '' ? n.uuid : undefined;
    if (typeof n.subnet === 'string' && n.subnet !== '') {
      const subnet = await subnetId(ctx, token, n.subnet);
      const net = netRef ? await networkId(ctx, token, netRef) : (await ctx.clients.network.getSubnet(token, subnet)).network_id;
      const name = `${serverName}-port-${i}`;
      const port = (await ctx.clients.network.listPorts(token, { name, network_id: net }))[0] ?? await ctx.clients.network.createPort(token, {
        network_id: net, name, fixed_ips: [{ subnet_id: subnet, ...(typeof n.fixed_ip === 'string' ? { ip_address: n.fixed_ip } : {}) }],
        ...(groups.length > 0 ? { security_groups: groups } : {}),
      });
      internalPorts.push(port.id);
      nics.push({ port: port.id });
      continue;
    }
    if (!netRef) throw new ResourceFailure('One of the properties "network", "port", "allocate_network" or "subnet" should be set for the specified network of server.');
    nics.push({ uuid: await networkId(ctx, token, netRef), ...(typeof n.fixed_ip === 'string' && n.fixed_ip !== '' ? { fixed_ip: n.fixed_ip } : {}) });
  }
  return { nics, internalPorts };
}

/** Heat's attributes of a server, from Nova's view of it. */
export function serverAttributes(s: NovaServer): Record<string, unknown> {
  const networks: Record<string, string[]> = {};
  let first = '';
  for (const [net, addrs] of Object.entries(s.addresses ?? {})) {
    networks[net] = addrs.map((a) => a.addr);
    const v4 = addrs.find((a) => a.version === 4);
    if (!first && v4) first = v4.addr;
  }
  return {
    name: s.name, addresses: s.addresses, networks, first_address: first, accessIPv4: s.accessIPv4 ?? '', accessIPv6: s.accessIPv6 ?? '',
    instance_name: s['OS-EXT-SRV-ATTR:instance_name'] ?? null, console_urls: {}, tags: s.tags ?? null, os_collect_config: {}, show: s,
  };
}

/** Waits until the server is ACTIVE (and `done` holds); fails with Nova's fault when it goes to ERROR. */
async function waitActive(ctx: ResourceContext, id: string, done: (s: NovaServer) => boolean = () => true): Promise<NovaServer> {
  return pollUntil(ctx, async () => {
    const s = await ctx.clients.compute.getServer(await ctx.clients.token(), id);
    if (s.status === 'ERROR') {
      const fault = s.fault ? `Message: ${s.fault.message}, Code: ${s.fault.code}` : 'Unknown';
      throw new ResourceFailure(`Went to status ERROR due to "${fault}"`);
    }
    return s.status === 'ACTIVE' && !s['OS-EXT-STS:task_state'] && done(s) ? s : undefined;
  });
}

/** Heat's outcome of a server: its attributes, each address with the id of its Neutron port (`port`), as Heat adds it. */
async function outcome(ctx: ResourceContext, s: NovaServer, internalPorts: string[]): Promise<ResourceOutcome> {
  const ports = await ctx.clients.network.listPorts(await ctx.clients.token(), { device_id: s.id });
  const addresses = Object.fromEntries(Object.entries(s.addresses ?? {}).map(([net, addrs]) => [net, addrs.map((a) => {
    const port = ports.find((p) => p.fixed_ips.some((f) => f.ip_address === a.addr));
    return port ? { ...a, port: port.id } : a;
  })]));
  return { physicalId: s.id, attributes: serverAttributes({ ...s, addresses }), data: { internalPorts } };
}

/** A server an interrupted create made: same name, and no other row of the stack holds it. */
async function findMade(ctx: ResourceContext, token: string, name: string): Promise<NovaServer | undefined> {
  const held = new Set((await ctx.clients.resourceRows()).filter((r) => r.id !== ctx.resource.id).map((r) => r.physicalId));
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const found = await ctx.clients.compute.listServers(token, { name: `^${escaped}$` });
  return found.find((s) => s.name === name && !held.has(s.id) && s.status !== 'DELETED');
}

const policy = (values: string[], dflt: string, description: string): ResourcePlugin['properties'][string] =>
  ({ type: 'string', description, default: dflt, updateAllowed: true, constraints: [{ allowed_values: values }] });

export const serverPlugin: ResourcePlugin = {
  type: 'OS::Nova::Server',
  description: 'A resource for managing Nova instances.',
  since: '2014.1',
  properties: {
    name: { type: 'string', description: 'Server name.', updateAllowed: true },
    image: { type: 'string', description: 'The ID or name of the image to boot with.', updateAllowed: true },
    block_device_mapping: { type: 'list', description: 'Block device mappings for this server.' },
    block_device_mapping_v2: { type: 'list', description: 'Block device mappings v2 for this server.' },
    flavor: { type: 'string', description: 'The ID or name of the flavor to boot onto.', required: true, updateAllowed: true },
    flavor_update_policy: policy(['RESIZE', 'REPLACE'], 'RESIZE', 'Policy on how to apply a flavor update; either by requesting a server resize or by replacing the entire server.'),
    image_update_policy: policy(['REBUILD', 'REPLACE', 'REBUILD_PRESERVE_EPHEMERAL'], 'REBUILD', 'Policy on how to apply an image-id update; either by requesting a server rebuild or by replacing the entire server.'),
    key_name: { type: 'string', description: 'Name of keypair to inject into the server.' },
    admin_user: { type: 'string', description: 'Name of the administrative user to use on the server.' },
    availability_zone: { type: 'string', description: 'Name of the availability zone for server placement.' },
    security_groups: { type: 'list', description: 'List of security group names or IDs. Cannot be used if neutron ports are associated with this server; assign security groups to the ports instead.', default: [] },
    networks: {
      type: 'list', description: 'An ordered list of nics to be added to this server, with information about connected networks, fixed ips, port etc.', updateAllowed: true,
      schema: { '*': { type: 'map', schema: {
        uuid: { type: 'string', description: 'ID of network to create a port on.' },
        network: { type: 'string', description: 'Name or ID of network to create a port on.' },
        allocate_network: { type: 'string', description: 'The special string values of network, auto: means either a network that is already available to the project will be used, or if one does not exist, will be automatically created for the project; none: means no networking will be allocated for the created server.', constraints: [{ allowed_values: ['none', 'auto'] }] },
        fixed_ip: { type: 'string', description: 'Fixed IP address to specify for the port created on the requested network.' },
        port: { type: 'string', description: 'ID of an existing port to associate with this server.' },
        port_extra_properties: { type: 'map', description: 'Dict, which has expand properties for port. Used only if port property is not specified for creating port.' },
        subnet: { type: 'string', description: 'Subnet in which to allocate the IP address for port. Used for creating port, based on derived properties. If subnet is specified, network property becomes optional.' },
        floating_ip: { type: 'string', description: 'ID of the floating IP to associate.' },
        tag: { type: 'string', description: 'Port tag. Heat ignores any update on this property as nova does not support it.' },
      } } },
    },
    scheduler_hints: { type: 'map', description: 'Arbitrary key-value pairs specified by the client to help boot a server.' },
    metadata: { type: 'map', description: 'Arbitrary key/value metadata to store for this server. Both keys and values must be 255 characters or less. Non-string values will be serialized to JSON (and the serialized string must be 255 characters or less).', default: {}, updateAllowed: true },
    user_data_format: { type: 'string', description: 'How the user_data should be formatted for the server. For HEAT_CFNTOOLS, the user_data is bundled as part of the heat-cfntools cloud-init boot configuration data. For RAW the user_data is passed to Nova unmodified. For SOFTWARE_CONFIG user_data is bundled as part of the software config data, and metadata is derived from any associated SoftwareDeployment resources.', default: 'HEAT_CFNTOOLS', constraints: [{ allowed_values: ['HEAT_CFNTOOLS', 'RAW', 'SOFTWARE_CONFIG'] }] },
    software_config_transport: policy(['POLL_SERVER_CFN', 'POLL_SERVER_HEAT', 'POLL_TEMP_URL', 'ZAQAR_MESSAGE'], 'POLL_SERVER_CFN', 'How the server should receive the metadata required for software configuration.'),
    user_data_update_policy: policy(['REPLACE', 'IGNORE', 'REBUILD'], 'REPLACE', 'Policy on how to apply a user_data update; either by ignoring it or by replacing the entire server.'),
    user_data: { type: 'string', description: 'User data script to be executed by cloud-init or CoreOS ignition.', default: '', updateAllowed: true },
    reservation_id: { type: 'string', description: 'A UUID for the set of servers being requested.' },
    config_drive: { type: 'boolean', description: 'If True, enable config drive on the server.' },
    diskConfig: { type: 'string', description: 'Control how the disk is partitioned when the server is created.', constraints: [{ allowed_values: ['AUTO', 'MANUAL'] }] },
    personality: { type: 'map', description: 'A map of files to create/overwrite on the server upon boot.', default: {} },
    admin_pass: { type: 'string', description: 'The administrator password for the server.', updateAllowed: true },
    tags: { type: 'list', description: 'Server tags.', updateAllowed: true },
    deployment_swift_data: { type: 'map', description: 'Swift container and object to use for storing deployment data for the server resource.', default: {}, updateAllowed: true },
  },
  attributes: {
    name: { description: 'Name of the server.', type: 'string' },
    addresses: { description: 'A dict of all network addresses with corresponding port_id and subnets.', type: 'map' },
    networks: { description: 'A dict of assigned network addresses of the form: {"public": [ip1, ip2...], "private": [ip3, ip4], "public_uuid": [ip1, ip2...], "private_uuid": [ip3, ip4]}.', type: 'map' },
    first_address: { description: 'Convenience attribute to fetch the first assigned network address, or an empty string if nothing has been assigned at this time. Result may not be predictable if the server has addresses from more than one network.', type: 'string' },
    instance_name: { description: 'AWS compatible instance name.', type: 'string' },
    accessIPv4: { description: 'The manually assigned alternative public IPv4 address of the server.', type: 'string' },
    accessIPv6: { description: 'The manually assigned alternative public IPv6 address of the server.', type: 'string' },
    console_urls: { description: 'URLs of server\'s consoles.', type: 'map' },
    tags: { description: 'Tags from the server.', type: 'list' },
    os_collect_config: { description: 'The os-collect-config configuration for the server\'s local agent to be configured to connect to Heat to retrieve deployment data.', type: 'map' },
    ...SHOW_ATTRIBUTE,
  },
  validate(props) {
    if (props.image === undefined && props.block_device_mapping === undefined && props.block_device_mapping_v2 === undefined) {
      return 'Neither image nor bootable volume is specified for instance server';
    }
    if (props.block_device_mapping !== undefined || props.block_device_mapping_v2 !== undefined) return 'Block device mappings need a block storage service, which Flotilla does not have.';
    return null;
  },
  async create(ctx, props) {
    const token = await ctx.clients.token();
    const compute = ctx.clients.compute;
    const name = typeof props.name === 'string' && props.name !== '' ? props.name : stableName(ctx, 63);
    let id = ctx.resource.physicalId;
    if (id) {
      try { await compute.getServer(token, id); } catch (err) { if (!isNotFound(err)) throw err; id = null; }
    }
    let internalPorts = (ctx.resource.data.internalPorts as string[] | undefined) ?? [];
    if (!id) {
      const made = await findMade(ctx, token, name);
      if (made) {
        id = made.id;
      } else {
        const nics = await nicsOf(ctx, token, name, props);
        internalPorts = nics.internalPorts;
        const ud = await userData(ctx, props);
        const groups = ((props.security_groups as unknown[] | undefined) ?? []).map(String);
        const created = await compute.createServer(token, {
          name, imageRef: await imageId(ctx, token, String(props.image)), flavorRef: (await flavorOf(ctx, token, String(props.flavor))).id,
          networks: nics.nics, metadata: metadataOf(props),
          ...(typeof props.key_name === 'string' && props.key_name !== '' ? { key_name: props.key_name } : {}),
          ...(ud ? { user_data: ud } : {}),
          ...(typeof props.availability_zone === 'string' ? { availability_zone: props.availability_zone } : {}),
          // Ports carry their own groups (Nova refuses groups with ports it did not make).
          ...(groups.length > 0 && Array.isArray(nics.nics) && nics.nics.every((n) => !n.port) ? { security_groups: groups.map((g) => ({ name: g })) } : {}),
          ...(props.config_drive === true ? { config_drive: true } : {}),
          ...(typeof props.admin_pass === 'string' ? { adminPass: props.admin_pass } : {}),
          ...(Array.isArray(props.tags) && props.tags.length > 0 ? { tags: props.tags.map(String) } : {}),
        }, props.scheduler_hints as Record<string, unknown> | undefined);
        id = created.id;
      }
      await ctx.savePhysicalId(id, { internalPorts });
    }
    return outcome(ctx, await waitActive(ctx, id), internalPorts);
  },
  async update(ctx, props, changed) {
    const before = ctx.resource.properties ?? {};
    const policyOf = (key: string): unknown => props[key] ?? before[key];
    if (changed.includes('flavor') && policyOf('flavor_update_policy') === 'REPLACE') throw new UpdateReplace(ctx.resource.name);
    if (changed.includes('image') && policyOf('image_update_policy') === 'REPLACE') throw new UpdateReplace(ctx.resource.name);
    if (changed.includes('user_data') && policyOf('user_data_update_policy') === 'REPLACE') throw new UpdateReplace(ctx.resource.name);
    if (changed.includes('networks') || changed.includes('admin_pass')) throw new UpdateReplace(ctx.resource.name);
    const token = await ctx.clients.token();
    const compute = ctx.clients.compute;
    const id = ctx.resource.physicalId!;
    if (changed.includes('metadata')) await compute.setServerMetadata(token, id, metadataOf(props));
    if (changed.includes('name')) await compute.updateServer(token, id, { name: typeof props.name === 'string' && props.name !== '' ? props.name : stableName(ctx, 63) });
    if (changed.includes('flavor')) {
      const flavor = await flavorOf(ctx, token, String(props.flavor));
      let s = await compute.getServer(token, id);
      // Level-based, so a resize interrupted by a crash is finished rather than asked for again.
      if (s.status !== 'VERIFY_RESIZE' && s.flavor.original_name !== flavor.name) {
        await compute.serverAction(token, id, { resize: { flavorRef: flavor.id } });
        s = await pollUntil(ctx, async () => {
          const now = await compute.getServer(await ctx.clients.token(), id);
          if (now.status === 'ERROR') throw new ResourceFailure(`Resizing to '${flavor.name}' failed, status 'ERROR'`);
          return now.status === 'VERIFY_RESIZE' || (now.status === 'ACTIVE' && now.flavor.original_name === flavor.name) ? now : undefined;
        });
      }
      if (s.status === 'VERIFY_RESIZE') await compute.serverAction(token, id, { confirmResize: null });
      await waitActive(ctx, id);
    }
    const rebuildUserData = changed.includes('user_data') && policyOf('user_data_update_policy') === 'REBUILD';
    if (changed.includes('image') || rebuildUserData) {
      const image = await imageId(ctx, token, String(props.image));
      const ud = rebuildUserData ? await userData(ctx, props) : undefined;
      const s = await compute.getServer(token, id);
      const onImage = typeof s.image === 'object' && s.image.id === image;
      if (!onImage || rebuildUserData) {
        await compute.serverAction(token, id, { rebuild: { imageRef: image, ...(rebuildUserData ? { user_data: ud ?? null } : {}), ...(policyOf('image_update_policy') === 'REBUILD_PRESERVE_EPHEMERAL' ? { preserve_ephemeral: true } : {}) } });
      }
      await waitActive(ctx, id, (now) => typeof now.image === 'object' && now.image.id === image);
    }
    const s = await compute.getServer(await ctx.clients.token(), id);
    return outcome(ctx, s, (ctx.resource.data.internalPorts as string[] | undefined) ?? []);
  },
  async delete(ctx) {
    const id = ctx.resource.physicalId;
    const token = await ctx.clients.token();
    const compute = ctx.clients.compute;
    if (id) {
      await ignoreNotFound(() => compute.deleteServer(token, id));
      await pollUntil(ctx, async () => {
        try {
          const s = await compute.getServer(await ctx.clients.token(), id);
          return s.status === 'DELETED' ? true : undefined;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      });
    }
    for (const port of (ctx.resource.data.internalPorts as string[] | undefined) ?? []) await ctx.clients.network.deletePort(token, port);
  },
  async check(ctx) {
    const s = await ctx.clients.compute.getServer(await ctx.clients.token(), ctx.resource.physicalId!);
    if (s.status !== 'ACTIVE') throw new ResourceFailure(`Server ${s.id} is ${s.status}, not ACTIVE`);
  },
};
