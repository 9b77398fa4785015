/**
 * Neutron's named faults: the class name is the `type` of the NeutronError body and the message is
 * Neutron's text (neutron-lib's exceptions and neutron's extensions), so clients that match on either
 * (Tempest, openstacksdk, Heat) see what Neutron would say. The status follows the Neutron base class
 * (NotFound 404, BadRequest/InvalidInput 400, Conflict/InUse 409, NotAuthorized 403).
 */
import { Fault } from '../platform/errors.js';

/** A fault with Neutron's type name. */
export class NeutronFault extends Fault {
  constructor(readonly status: number, type: string, message: string) {
    super(message);
    this.name = type;
  }
}

const notFound = (type: string, message: string): NeutronFault => new NeutronFault(404, type, message);
const badRequest = (type: string, message: string): NeutronFault => new NeutronFault(400, type, message);
const conflict = (type: string, message: string): NeutronFault => new NeutronFault(409, type, message);

/** webob's 400, which Neutron raises for malformed bodies and attribute validation failures. */
export const httpBadRequest = (message: string): NeutronFault => badRequest('HTTPBadRequest', message);
/** neutron-lib's InvalidInput. */
export const invalidInput = (error: string): NeutronFault => badRequest('InvalidInput', `Invalid input for operation: ${error}.`);
/** Validation of one attribute failed (neutron/api/v2/base.py's message). */
export const invalidAttribute = (attr: string, reason: string): NeutronFault => httpBadRequest(`Invalid input for ${attr}. Reason: ${reason}.`);

/** oslo.policy's refusal, for a caller who may see the resource but not act on it. */
export const policyNotAuthorized = (rule: string): NeutronFault => new NeutronFault(403, 'PolicyNotAuthorized', `(${rule}) is disallowed by policy`);

export const networkNotFound = (id: string): NeutronFault => notFound('NetworkNotFound', `Network ${id} could not be found.`);
export const subnetNotFound = (id: string): NeutronFault => notFound('SubnetNotFound', `Subnet ${id} could not be found.`);
export const portNotFound = (id: string): NeutronFault => notFound('PortNotFound', `Port ${id} could not be found.`);
export const securityGroupNotFound = (id: string): NeutronFault => notFound('SecurityGroupNotFound', `Security group ${id} does not exist`);
export const securityGroupRuleNotFound = (id: string): NeutronFault => notFound('SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);
export const extensionNotFound = (alias: string): NeutronFault => notFound('ExtensionNotFound', `Extension with alias ${alias} does not exist`);
export const tagNotFound = (tag: string): NeutronFault => notFound('TagNotFound', `Tag ${tag} could not be found.`);

export const networkInUse = (id: string): NeutronFault =>
  conflict('NetworkInUse', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`);
export const subnetInUse = (id: string, reason = 'One or more ports have an IP allocation from this subnet'): NeutronFault =>
  conflict('SubnetInUse', `Unable to complete operation on subnet ${id}: ${reason}.`);
export const portInUse = (portId: string, netId: string, deviceId: string): NeutronFault =>
  conflict('PortInUse', `Unable to complete operation on port ${portId} for network ${netId}. Port already has an attached device ${deviceId}.`);
export const macAddressInUse = (netId: string, mac: string): NeutronFault =>
  conflict('MacAddressInUse', `Unable to complete operation for network ${netId}. The mac address ${mac} is in use.`);
export const ipAddressAlreadyAllocated = (ip: string, subnetId: string): NeutronFault =>
  conflict('IpAddressAlreadyAllocated', `IP address ${ip} already allocated in subnet ${subnetId}`);
export const ipAddressGenerationFailure = (netId: string): NeutronFault =>
  conflict('IpAddressGenerationFailure', `No more IP addresses available on network ${netId}.`);
export const invalidIpForNetwork = (ip: string): NeutronFault =>
  badRequest('InvalidIpForNetwork', `IP address ${ip} is not a valid IP for any of the subnets on the specified network.`);
export const invalidIpForSubnet = (ip: string): NeutronFault =>
  badRequest('InvalidIpForSubnet', `IP address ${ip} is not a valid IP for the specified subnet.`);
export const overQuota = (resources: readonly string[]): NeutronFault =>
  conflict('OverQuota', `Quota exceeded for resources: [${resources.map((r) => `'${r}'`).join(', ')}].`);

export const invalidAllocationPool = (pool: string): NeutronFault => badRequest('InvalidAllocationPool', `The allocation pool ${pool} is not valid.`);
export const outOfBoundsAllocationPool = (pool: string, cidr: string): NeutronFault =>
  badRequest('OutOfBoundsAllocationPool', `The allocation pool ${pool} spans beyond the subnet cidr ${cidr}.`);
export const overlappingAllocationPools = (a: string, b: string, cidr: string): NeutronFault =>
  conflict('OverlappingAllocationPools', `Found overlapping allocation pools: ${a} ${b} for subnet ${cidr}.`);
export const gatewayConflictWithAllocationPools = (ip: string, pool: string): NeutronFault =>
  conflict('GatewayConflictWithAllocationPools', `Gateway ip ${ip} conflicts with allocation pool ${pool}.`);
export const dnsNameServersExhausted = (subnetId: string, quota: number): NeutronFault =>
  badRequest('DNSNameServersExhausted', `Unable to complete operation for ${subnetId}. The number of DNS nameservers exceeds the limit ${quota}.`);
export const hostRoutesExhausted = (subnetId: string, quota: number): NeutronFault =>
  badRequest('HostRoutesExhausted', `Unable to complete operation for ${subnetId}. The number of host routes exceeds the limit ${quota}.`);

export const securityGroupInUse = (id: string): NeutronFault => conflict('SecurityGroupInUse', `Security Group ${id} in use.`);
export const securityGroupCannotRemoveDefault = (): NeutronFault =>
  conflict('SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
export const securityGroupCannotUpdateDefault = (): NeutronFault =>
  conflict('SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
export const securityGroupDefaultAlreadyExists = (): NeutronFault =>
  conflict('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
export const securityGroupRuleExists = (ruleId: string): NeutronFault =>
  conflict('SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${ruleId}.`);
export const securityGroupInvalidPortRange = (): NeutronFault =>
  badRequest('SecurityGroupInvalidPortRange', 'Invalid input for operation: For TCP/UDP protocols, port_range_min must be <= port_range_max.');
export const securityGroupInvalidPortValue = (port: unknown): NeutronFault =>
  badRequest('SecurityGroupInvalidPortValue', `Invalid input for operation: Invalid value for port ${String(port)}.`);
export const securityGroupInvalidIcmpValue = (field: string, attr: string, value: unknown): NeutronFault =>
  badRequest('SecurityGroupInvalidIcmpValue', `Invalid input for operation: Invalid value for ICMP ${field} (${attr}) ${String(value)}. It must be 0 to 255.`);
export const securityGroupMissingIcmpType = (value: unknown): NeutronFault =>
  badRequest('SecurityGroupMissingIcmpType', `Invalid input for operation: ICMP code (port-range-max) ${String(value)} is provided but ICMP type (port-range-min) is missing.`);
export const securityGroupProtocolRequiredWithPorts = (): NeutronFault =>
  badRequest('SecurityGroupProtocolRequiredWithPorts', 'Invalid input for operation: Must also specify protocol if port range is given.');
export const securityGroupRemoteGroupAndRemoteIpPrefix = (): NeutronFault =>
  badRequest('SecurityGroupRemoteGroupAndRemoteIpPrefix', 'Invalid input for operation: Only remote_ip_prefix or remote_group_id may be provided.');
export const securityGroupRuleParameterConflict = (ethertype: string, cidr: string): NeutronFault =>
  badRequest('SecurityGroupRuleParameterConflict', `Invalid input for operation: Conflicting value ethertype ${ethertype} for CIDR ${cidr}.`);
export const securityGroupRuleInvalidProtocol = (protocol: unknown, values: readonly string[]): NeutronFault =>
  badRequest('SecurityGroupRuleInvalidProtocol',
    `Invalid input for operation: Security group rule protocol ${String(protocol)} not supported. Only protocol values [${values.map((v) => `'${v}'`).join(', ')}] and integer representations [0 to 255] are supported.`);

export const portSecurityAndIpRequiredForSecurityGroups = (): NeutronFault =>
  badRequest('PortSecurityAndIPRequiredForSecurityGroups',
    'Invalid input for operation: Port security must be enabled and port must have an IP address in order to use security groups.');
export const portSecurityPortHasSecurityGroup = (): NeutronFault =>
  conflict('PortSecurityPortHasSecurityGroup', 'Port has security group associated. Cannot disable port security or IP address until security group is removed.');
export const addressPairAndPortSecurityRequired = (): NeutronFault =>
  conflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
export const duplicateAddressPairInRequest = (mac: string, ip: string): NeutronFault =>
  badRequest('DuplicateAddressPairInRequest', `Invalid input for operation: Request contains duplicate address pair: mac_address ${mac} ip_address ${ip}.`);
export const allowedAddressPairExhausted = (quota: number): NeutronFault =>
  badRequest('AllowedAddressPairExhausted', `The number of allowed address pair exceeds the maximum ${quota}.`);

// L3: routers and floating IPs (neutron-lib's exceptions/l3.py and extraroute.py).

/** neutron-lib's generic BadRequest, which the L3 plugin raises with a resource and a reason. */
export const l3BadRequest = (resource: string, msg: string): NeutronFault => new NeutronFault(400, 'BadRequest', `Bad ${resource} request: ${msg}.`);
export const routerNotFound = (id: string): NeutronFault => notFound('RouterNotFound', `Router ${id} could not be found`);
export const routerInUse = (id: string, reason = 'still has ports'): NeutronFault => conflict('RouterInUse', `Router ${id} ${reason}`);
export const routerInterfaceNotFound = (routerId: string, portId: string): NeutronFault =>
  notFound('RouterInterfaceNotFound', `Router ${routerId} does not have an interface with id ${portId}`);
export const routerInterfaceNotFoundForSubnet = (routerId: string, subnetId: string): NeutronFault =>
  notFound('RouterInterfaceNotFoundForSubnet', `Router ${routerId} has no interface on subnet ${subnetId}`);
export const routerInterfaceInUseByFloatingIp = (routerId: string, subnetId: string): NeutronFault =>
  conflict('RouterInterfaceInUseByFloatingIP', `Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more floating IPs.`);
export const routerInterfaceInUseByRoute = (routerId: string, subnetId: string): NeutronFault =>
  conflict('RouterInterfaceInUseByRoute', `Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more routes.`);
export const routerExternalGatewayInUseByFloatingIp = (routerId: string, netId: string): NeutronFault =>
  conflict('RouterExternalGatewayInUseByFloatingIp', `Gateway cannot be updated for router ${routerId}, since a gateway to external network ${netId} is required by one or more floating IPs.`);
export const invalidRoutes = (routes: string, reason: string): NeutronFault =>
  new NeutronFault(400, 'InvalidRoutes', `Invalid format for routes: ${routes}, ${reason}`);
export const routesExhausted = (routerId: string, quota: number): NeutronFault =>
  new NeutronFault(400, 'RoutesExhausted', `Unable to complete operation for ${routerId}. The number of routes exceeds the maximum ${quota}.`);
export const floatingIpNotFound = (id: string): NeutronFault => notFound('FloatingIPNotFound', `Floating IP ${id} could not be found`);
export const externalGatewayForFloatingIpNotFound = (netId: string, subnetId: string, portId: string): NeutronFault =>
  notFound('ExternalGatewayForFloatingIPNotFound', `External network ${netId} is not reachable from subnet ${subnetId}.  Therefore, cannot associate Port ${portId} with a Floating IP.`);
export const floatingIpPortAlreadyAssociated = (fip: string, fipId: string, portId: string, fixedIp: string, netId: string): NeutronFault =>
  conflict('FloatingIPPortAlreadyAssociated',
    `Cannot associate floating IP ${fip} (${fipId}) with port ${portId} using fixed IP ${fixedIp}, as that fixed IP already has a floating IP on external network ${netId}.`);
export const externalNetworkInUse = (netId: string): NeutronFault =>
  conflict('ExternalNetworkInUse', `External network ${netId} cannot be updated to be made non-external, since it has existing gateway ports.`);
/** A router's or floating IP's port, which only the router and floating IP APIs may delete. */
export const servicePortInUse = (portId: string, deviceOwner: string): NeutronFault =>
  conflict('ServicePortInUse', `Port ${portId} cannot be deleted directly via the port API: has device owner ${deviceOwner}.`);
export const subnetMismatchForPort = (portId: string, subnetId: string): NeutronFault =>
  new NeutronFault(400, 'SubnetMismatchForPort', `Subnet on port ${portId} does not match the requested subnet ${subnetId}.`);
