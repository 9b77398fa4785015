/**
 * Version discovery (`/`, `/v2.0`) and the extensions list. An extension is listed only once its
 * attributes and behaviour are served, because clients (Tempest, openstacksdk, Heat, Nova) decide what to
 * call from this list.
 */
import type { FastifyInstance } from 'fastify';
import { requestBase, type NetworkContext } from './context.js';
import { extensionNotFound } from './errors.js';

interface Extension { alias: string; name: string; description: string; updated: string }

export const EXTENSIONS: readonly Extension[] = [
  { alias: 'allowed-address-pairs', name: 'Allowed Address Pairs', description: 'Provides allowed address pairs', updated: '2013-07-23T10:00:00-00:00' },
  {
    alias: 'auto-allocated-topology', name: 'Auto Allocated Topology Services',
    description: 'Auto Allocated Topology Services.', updated: '2016-01-01T00:00:00-00:00',
  },
  { alias: 'binding', name: 'Port Binding', description: 'Expose port bindings of a virtual port to external application', updated: '2014-02-03T10:00:00-00:00' },
  { alias: 'ext-gw-mode', name: 'Neutron L3 Configurable external gateway mode', description: 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway', updated: '2013-03-28T10:00:00-00:00' },
  { alias: 'external-net', name: 'Neutron external network', description: 'Adds external network attribute to network resource.', updated: '2013-01-14T10:00:00-00:00' },
  { alias: 'extraroute', name: 'Neutron Extra Route', description: 'Extra routes configuration for L3 router', updated: '2013-02-01T10:00:00-00:00' },
  { alias: 'filter-validation', name: 'Filter parameters validation', description: 'Provides validation on filter parameters.', updated: '2018-03-21T10:00:00-00:00' },
  { alias: 'fip-port-details', name: 'Floating IP Port Details Extension', description: 'Add port_details attribute to Floating IP resource', updated: '2018-04-09T10:00:00-00:00' },
  { alias: 'ip-substring-filtering', name: 'IP address substring filtering', description: 'Provides IP address substring filtering when listing ports', updated: '2017-11-28T09:00:00-00:00' },
  { alias: 'network-mtu', name: 'Network MTU', description: 'Provides MTU attribute for a network resource.', updated: '2015-03-25T10:00:00-00:00' },
  { alias: 'pagination', name: 'Pagination support', description: 'Extension that indicates that pagination is enabled.', updated: '2016-06-12T00:00:00-00:00' },
  { alias: 'port-security', name: 'Port Security', description: 'Provides port security', updated: '2012-07-23T10:00:00-00:00' },
  { alias: 'project-id', name: 'project_id field enabled', description: 'Extension that indicates that project_id field is enabled.', updated: '2016-09-09T09:09:09-09:09' },
  { alias: 'provider', name: 'Provider Network', description: 'Expose mapping of virtual networks to physical networks', updated: '2012-09-07T10:00:00-00:00' },
  { alias: 'quota_details', name: 'Quota details management support', description: 'Expose functions for quotas usage statistics per project', updated: '2017-02-10T10:00:00-00:00' },
  { alias: 'quotas', name: 'Quota management support', description: 'Expose functions for quotas management per project', updated: '2012-07-29T10:00:00-00:00' },
  {
    alias: 'router', name: 'Neutron L3 Router',
    description: 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.',
    updated: '2012-07-20T10:00:00-00:00',
  },
  { alias: 'security-group', name: 'security-group', description: 'The security groups extension.', updated: '2012-10-05T10:00:00-00:00' },
  { alias: 'sorting', name: 'Sorting support', description: 'Extension that indicates that sorting is enabled.', updated: '2016-06-12T00:00:00-00:00' },
  { alias: 'standard-attr-description', name: 'standard-attr-description', description: 'Extension to add descriptions to standard attributes', updated: '2016-02-10T10:00:00-00:00' },
  { alias: 'standard-attr-revisions', name: 'Resource revision numbers', description: 'This extension will display the revision number of neutron resources.', updated: '2016-04-11T10:00:00-00:00' },
  { alias: 'standard-attr-timestamp', name: 'Resource timestamps', description: 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.', updated: '2016-09-12T10:00:00-00:00' },
  { alias: 'tag', name: 'Tag support', description: 'Enables to set tag on resources.', updated: '2016-01-01T00:00:00-00:00' },
  {
    alias: 'standard-attr-tag', name: 'Tag support for resources with standard attribute: network, port, security_group, subnet, router, floatingip',
    description: 'Enables to set tag on resources with standard attribute.', updated: '2017-01-01T00:00:00-00:00',
  },
];

const render = (e: Extension): Record<string, unknown> => ({ name: e.name, alias: e.alias, description: e.description, updated: e.updated, links: [] });

/** The core collections `/v2.0/` lists (Neutron lists its core resources there). */
const CORE = [['network', 'networks'], ['subnet', 'subnets'], ['port', 'ports']] as const;

export function versionRoutes(app: FastifyInstance, ctx: NetworkContext): void {
  app.get('/', { config: { public: true } }, async (request) => ({
    versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${requestBase(ctx, request)}/v2.0/`, rel: 'self' }] }],
  }));
  app.get('/v2.0', async (request) => {
    const base = requestBase(ctx, request);
    return { resources: CORE.map(([name, collection]) => ({ name, collection, links: [{ href: `${base}/v2.0/${collection}`, rel: 'self' }] })) };
  });
  app.get('/v2.0/extensions', async () => ({ extensions: EXTENSIONS.map(render) }));
  app.get<{ Params: { alias: string } }>('/v2.0/extensions/:alias', async (request) => {
    const e = EXTENSIONS.find((x) => x.alias === request.params.alias);
    if (!e) throw extensionNotFound(request.params.alias);
    return { extension: render(e) };
  });
}
