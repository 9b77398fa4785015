/**
 * Neutron's default policy with the secure-RBAC defaults enforced (neutron/conf/policies/, project scope,
 * `reader`/`member` personas, `admin`, and the `service` role Nova's port binding uses), re-expressed for
 * src/platform/policy. Neutron's `field:networks:shared=True` checks become comparisons against the target's
 * `shared` and `router:external` (for a subnet or port, its network's); `rule:network_device` is computed
 * by the caller (`network_device` in the target: a device_owner starting with `network:`).
 *
 * Targets carry `project_id` (the resource's), `network:project_id` (its network's owner) and, for
 * security group rules, `security_group:project_id`.
 */
const ADMIN = 'rule:admin_only';
const SERVICE = 'rule:service_api';
const PROJECT_MEMBER = '(role:member and project_id:%(project_id)s)';
const PROJECT_READER = '(role:reader and project_id:%(project_id)s)';
const NET_OWNER_MEMBER = '(role:member and rule:network_owner)';
const NET_OWNER_READER = '(role:reader and rule:network_owner)';
const ADMIN_OR_PROJECT_MEMBER = `${ADMIN} or ${PROJECT_MEMBER}`;
const ADMIN_OR_PROJECT_READER = `${ADMIN} or ${PROJECT_READER}`;
const ADMIN_OR_NET_OWNER_MEMBER = `${ADMIN} or ${NET_OWNER_MEMBER}`;
const ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER = `${ADMIN} or ${SERVICE} or ${NET_OWNER_MEMBER}`;
const SG_OWNER_MEMBER = '(role:member and project_id:%(security_group:project_id)s)';
const SG_OWNER_READER = '(role:reader and project_id:%(security_group:project_id)s)';

export const networkPolicyRules = {
  context_is_admin: 'role:admin',
  admin_only: 'rule:context_is_admin',
  service_api: 'role:service',
  network_owner: 'project_id:%(network:project_id)s',
  shared: "'True':%(shared)s",
  external: "'True':%(router:external)s",
  network_device: "'True':%(network_device)s",

  create_network: ADMIN_OR_PROJECT_MEMBER,
  'create_network:shared': ADMIN,
  'create_network:router:external': ADMIN,
  'create_network:provider:network_type': ADMIN,
  'create_network:provider:physical_network': ADMIN,
  'create_network:provider:segmentation_id': ADMIN,
  'create_network:port_security_enabled': ADMIN_OR_PROJECT_MEMBER,
  get_network: `${ADMIN_OR_PROJECT_READER} or rule:shared or rule:external or ${SERVICE}`,
  'get_network:router:external': '@',
  'get_network:provider:network_type': ADMIN,
  'get_network:provider:physical_network': ADMIN,
  'get_network:provider:segmentation_id': ADMIN,
  update_network: ADMIN_OR_PROJECT_MEMBER,
  'update_network:shared': ADMIN,
  'update_network:router:external': ADMIN,
  'update_network:port_security_enabled': ADMIN_OR_PROJECT_MEMBER,
  delete_network: ADMIN_OR_PROJECT_MEMBER,

  // Neutron: rule:admin_or_owner; Nova asks with the user's token, Flotilla's compute also as its service.
  get_auto_allocated_topology: `${ADMIN_OR_PROJECT_READER} or ${SERVICE}`,
  delete_auto_allocated_topology: `${ADMIN_OR_PROJECT_MEMBER} or ${SERVICE}`,

  create_subnet: ADMIN_OR_NET_OWNER_MEMBER,
  // Not rule:external: the external network's subnets stay the admin's unless it is shared, as the
  // Tempest this cloud is measured with checks (test_external_network_visibility).
  get_subnet: `${ADMIN_OR_PROJECT_READER} or ${NET_OWNER_READER} or rule:shared or ${SERVICE}`,
  update_subnet: ADMIN_OR_NET_OWNER_MEMBER,
  delete_subnet: ADMIN_OR_NET_OWNER_MEMBER,

  create_port: `${ADMIN_OR_PROJECT_MEMBER} or ${SERVICE}`,
  'create_port:device_owner': `not rule:network_device or ${ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER}`,
  'create_port:mac_address': ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER,
  'create_port:fixed_ips': `${ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER} or rule:shared`,
  'create_port:fixed_ips:ip_address': ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER,
  'create_port:fixed_ips:subnet_id': `${ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER} or rule:shared`,
  'create_port:port_security_enabled': ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER,
  'create_port:binding:host_id': `${ADMIN} or ${SERVICE}`,
  'create_port:binding:profile': `${ADMIN} or ${SERVICE}`,
  'create_port:binding:vnic_type': `${ADMIN_OR_PROJECT_MEMBER} or ${SERVICE}`,
  'create_port:allowed_address_pairs': ADMIN_OR_NET_OWNER_MEMBER,
  get_port: `${ADMIN} or ${SERVICE} or ${PROJECT_READER}`,
  'get_port:binding:vif_type': `${ADMIN} or ${SERVICE}`,
  'get_port:binding:vif_details': `${ADMIN} or ${SERVICE}`,
  'get_port:binding:host_id': `${ADMIN} or ${SERVICE}`,
  'get_port:binding:profile': `${ADMIN} or ${SERVICE}`,
  update_port: `${ADMIN} or ${SERVICE} or ${PROJECT_MEMBER}`,
  'update_port:device_owner': `not rule:network_device or ${ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER}`,
  'update_port:mac_address': `${ADMIN} or ${SERVICE}`,
  'update_port:fixed_ips': ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER,
  'update_port:fixed_ips:ip_address': ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER,
  'update_port:fixed_ips:subnet_id': `${ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER} or rule:shared`,
  'update_port:port_security_enabled': ADMIN_OR_SERVICE_OR_NET_OWNER_MEMBER,
  'update_port:binding:host_id': `${ADMIN} or ${SERVICE}`,
  'update_port:binding:profile': `${ADMIN} or ${SERVICE}`,
  'update_port:binding:vnic_type': `${ADMIN_OR_PROJECT_MEMBER} or ${SERVICE}`,
  'update_port:allowed_address_pairs': ADMIN_OR_NET_OWNER_MEMBER,
  delete_port: `${ADMIN} or ${SERVICE} or ${PROJECT_MEMBER} or ${NET_OWNER_MEMBER}`,

  create_security_group: ADMIN_OR_PROJECT_MEMBER,
  get_security_group: `${ADMIN_OR_PROJECT_READER} or ${SERVICE}`,
  update_security_group: ADMIN_OR_PROJECT_MEMBER,
  delete_security_group: ADMIN_OR_PROJECT_MEMBER,
  create_security_group_rule: `${ADMIN} or ${SG_OWNER_MEMBER}`,
  get_security_group_rule: `${ADMIN_OR_PROJECT_READER} or ${SG_OWNER_READER} or ${SERVICE}`,
  delete_security_group_rule: `${ADMIN_OR_PROJECT_MEMBER} or ${SG_OWNER_MEMBER}`,

  // Routers: a sub-attribute of external_gateway_info checks its own rule whenever the body names it
  // (neutron/policy.py's sub-attribute match); SNAT and fixed gateway addresses are the admin's.
  create_router: ADMIN_OR_PROJECT_MEMBER,
  'create_router:external_gateway_info': ADMIN_OR_PROJECT_MEMBER,
  'create_router:external_gateway_info:network_id': ADMIN_OR_PROJECT_MEMBER,
  'create_router:external_gateway_info:enable_snat': ADMIN,
  'create_router:external_gateway_info:external_fixed_ips': ADMIN,
  get_router: ADMIN_OR_PROJECT_READER,
  update_router: ADMIN_OR_PROJECT_MEMBER,
  'update_router:external_gateway_info': ADMIN_OR_PROJECT_MEMBER,
  'update_router:external_gateway_info:network_id': ADMIN_OR_PROJECT_MEMBER,
  'update_router:external_gateway_info:enable_snat': ADMIN,
  'update_router:external_gateway_info:external_fixed_ips': ADMIN,
  delete_router: ADMIN_OR_PROJECT_MEMBER,
  add_router_interface: ADMIN_OR_PROJECT_MEMBER,
  remove_router_interface: ADMIN_OR_PROJECT_MEMBER,

  create_floatingip: ADMIN_OR_PROJECT_MEMBER,
  'create_floatingip:floating_ip_address': `${ADMIN} or (role:manager and project_id:%(project_id)s)`,
  get_floatingip: ADMIN_OR_PROJECT_READER,
  update_floatingip: ADMIN_OR_PROJECT_MEMBER,
  delete_floatingip: ADMIN_OR_PROJECT_MEMBER,

  // The internal agent API (agent-protocol.ts): Flotilla's service users only, as on compute's.
  'flotilla:agent': SERVICE,

  get_quota: ADMIN_OR_PROJECT_READER,
  update_quota: ADMIN,
  delete_quota: ADMIN,
} as const satisfies Readonly<Record<string, string>>;

export type NetworkAction = keyof typeof networkPolicyRules;
