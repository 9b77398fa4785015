/**
 * A security group rule's attributes with Neutron's conversions and checks (neutron/extensions/
 * securitygroup.py and the DB mixin's _validate_port_range): protocol names or numbers, port ranges for
 * port-carrying protocols, ICMP type and code, one remote (prefix or group), and ethertype matching the
 * prefix's family.
 */
import net from 'node:net';
import { name, projectId, py, string, type ResourceSpec } from '../attributes.js';
import {
  invalidAttribute, NeutronFault, securityGroupInvalidIcmpValue, securityGroupInvalidPortRange, securityGroupInvalidPortValue,
  securityGroupMissingIcmpType, securityGroupProtocolRequiredWithPorts, securityGroupRemoteGroupAndRemoteIpPrefix,
  securityGroupRuleInvalidProtocol, securityGroupRuleParameterConflict,
} from '../errors.js';

/** neutron-lib's IP_PROTOCOL_MAP names. */
export const PROTOCOLS: Readonly<Record<string, number>> = {
  ah: 51, dccp: 33, egp: 8, esp: 50, gre: 47, hopopt: 0, icmp: 1, igmp: 2, ipip: 4, 'ipv6-encap': 41, 'ipv6-frag': 44,
  'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, 'ipv6-route': 43, ospf: 89, pgm: 113, rsvp: 46,
  sctp: 132, tcp: 6, udp: 17, udplite: 136, vrrp: 112,
};
const WITH_PORTS = new Set(['tcp', 'udp', 'dccp', 'sctp', 'udplite', '6', '17', '33', '132', '136']);
const ICMP = new Set(['icmp', 'ipv6-icmp', 'icmpv6', '1', '58']);

/** convert_protocol: a known name (any case), `any` (no protocol), or a number 0–255 kept as a string. */
function protocol(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const names = Object.keys(PROTOCOLS);
  if (typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))) {
    const n = Number(v);
    if (Number.isInteger(n) && n >= 0 && n <= 255) return String(n);
    throw securityGroupRuleInvalidProtocol(v, names);
  }
  if (typeof v === 'string') {
    const lower = v.toLowerCase();
    if (lower === 'any') return null;
    if (lower in PROTOCOLS) return lower;
  }
  throw securityGroupRuleInvalidProtocol(py(v), names);
}

/** convert_validate_port_value. */
function portValue(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw securityGroupInvalidPortValue(py(v));
  return n;
}

function ethertype(v: unknown, attr: string): string {
  if (typeof v === 'string') {
    if (v.toLowerCase() === 'ipv4') return 'IPv4';
    if (v.toLowerCase() === 'ipv6') return 'IPv6';
  }
  throw invalidAttribute(attr, `'${py(v)}' is not in ['IPv4', 'IPv6']`);
}

/** An IPv4 or IPv6 prefix (host bits allowed, as Neutron keeps them); a bare address is a /32 or /128. */
function remotePrefix(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v === 'string') {
    const [addr = '', len, extra] = v.split('/');
    const family = net.isIP(addr);
    const max = family === 4 ? 32 : 128;
    if (family !== 0 && extra === undefined && (len === undefined || (/^\d{1,3}$/.test(len) && Number(len) <= max))) {
      return `${addr}/${len ?? max}`;
    }
  }
  throw new NeutronFault(400, 'InvalidCIDR', `Invalid CIDR ${py(v)} given as IP prefix.`);
}

const READ_ONLY = { post: false, put: false } as const;
const groupId = string(255);

export const RULE_SPEC: ResourceSpec = {
  id: READ_ONLY,
  // Group ids are looked up, not validated as UUIDs: an unknown one is Neutron's SecurityGroupNotFound (404).
  security_group_id: { post: true, put: false, required: true, validate: groupId },
  direction: { post: true, put: false, required: true, validate: (v, attr) => { if (v !== 'ingress' && v !== 'egress') throw invalidAttribute(attr, `'${py(v)}' is not in ['ingress', 'egress']`); return v; } },
  ethertype: { post: true, put: false, default: () => 'IPv4', validate: ethertype },
  protocol: { post: true, put: false, default: () => null, validate: protocol },
  port_range_min: { post: true, put: false, default: () => null, validate: portValue },
  port_range_max: { post: true, put: false, default: () => null, validate: portValue },
  remote_ip_prefix: { post: true, put: false, default: () => null, validate: remotePrefix },
  remote_group_id: { post: true, put: false, default: () => null, validate: (v, attr) => (v === null ? null : groupId(v, attr)) },
  description: { post: true, put: false, default: () => '', validate: name },
  project_id: { post: true, put: false, validate: projectId },
  created_at: READ_ONLY,
  updated_at: READ_ONLY,
  revision_number: READ_ONLY,
};

/** The checks across a rule's attributes (after each attribute converted). */
export function checkRule(v: Record<string, unknown>): void {
  const proto = v.protocol as string | null;
  const min = v.port_range_min as number | null;
  const max = v.port_range_max as number | null;
  if (v.remote_ip_prefix !== null && v.remote_group_id !== null) throw securityGroupRemoteGroupAndRemoteIpPrefix();
  const prefix = v.remote_ip_prefix as string | null;
  if (prefix !== null) {
    const family = net.isIP(prefix.split('/')[0]!) === 4 ? 'IPv4' : 'IPv6';
    if (family !== v.ethertype) throw securityGroupRuleParameterConflict(v.ethertype as string, prefix);
  }
  if (min === null && max === null) return;
  if (proto === null) throw securityGroupProtocolRequiredWithPorts();
  if (WITH_PORTS.has(proto)) {
    if (min === 0 || max === 0) throw securityGroupInvalidPortValue(0);
    if (min === null || max === null || min > max) throw securityGroupInvalidPortRange();
  } else if (ICMP.has(proto)) {
    if (min !== null && min > 255) throw securityGroupInvalidIcmpValue('type', 'port_range_min', min);
    if (max !== null && max > 255) throw securityGroupInvalidIcmpValue('code', 'port_range_max', max);
    if (min === null && max !== null) throw securityGroupMissingIcmpType(max);
  } else {
    throw new NeutronFault(400, 'SecurityGroupInvalidProtocolForPort',
      `Invalid input for operation: Invalid protocol ${proto} for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP.`);
  }
}

