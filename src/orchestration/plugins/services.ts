/**
 * The resource types that act on Flotilla's other services (Nova, Neutron, Keystone) and the Heat types
 * that configure and signal servers; the registry adds them to the built-in ones.
 */
import type { ResourcePlugin } from './types.js';
import { serverPlugin } from './nova/server.js';
import { keyPairPlugin } from './nova/keypair.js';
import { flavorPlugin } from './nova/flavor.js';
import { serverGroupPlugin } from './nova/server-group.js';
import { netPlugin } from './neutron/net.js';
import { subnetPlugin } from './neutron/subnet.js';
import { portPlugin } from './neutron/port.js';
import { routerPlugin } from './neutron/router.js';
import { routerInterfacePlugin } from './neutron/router-interface.js';
import { floatingIpPlugin } from './neutron/floating-ip.js';
import { floatingIpAssociationPlugin } from './neutron/floating-ip-association.js';
import { securityGroupPlugin } from './neutron/security-group.js';
import { securityGroupRulePlugin } from './neutron/security-group-rule.js';
import { projectPlugin } from './keystone/project.js';
import { userPlugin } from './keystone/user.js';
import { roleAssignmentPlugin } from './keystone/role-assignment.js';
import { waitConditionHandlePlugin } from './heat/wait-condition-handle.js';
import { waitConditionPlugin } from './heat/wait-condition.js';
import { softwareConfigPlugin } from './heat/software-config.js';
import { cloudConfigPlugin } from './heat/cloud-config.js';
import { multipartMimePlugin } from './heat/multipart-mime.js';

export const SERVICE_PLUGINS: readonly ResourcePlugin[] = [
  serverPlugin, keyPairPlugin, flavorPlugin, serverGroupPlugin,
  netPlugin, subnetPlugin, portPlugin, routerPlugin, routerInterfacePlugin, floatingIpPlugin, floatingIpAssociationPlugin, securityGroupPlugin, securityGroupRulePlugin,
  projectPlugin, userPlugin, roleAssignmentPlugin,
  waitConditionHandlePlugin, waitConditionPlugin, softwareConfigPlugin, cloudConfigPlugin, multipartMimePlugin,
];
