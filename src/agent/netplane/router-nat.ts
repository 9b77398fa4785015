/**
 * A router's address translation, as one `inet` nftables table in its namespace, replaced whole by one
 * `nft -f`: per floating IP, DNAT floating → fixed on the way in and SNAT fixed → floating on the way out
 * of the gateway; with `snat` on, everything else from the router's subnets leaving through the gateway is
 * SNATed to the gateway's address; traffic DNATed back into a subnet (a server using another's floating
 * IP) is SNATed to the router's address on that subnet. Routers do not filter: the ports' security groups do, on the segments.
 */
import type { RouterPlan } from '../../network/agent-protocol.js';
import { cidr, cidrText, ipv4 } from './addresses.js';
import { TABLE, routerGatewayLink } from './names.js';

export function renderRouterNat(router: RouterPlan): string {
  const out = [`table inet ${TABLE} {}`, `delete table inet ${TABLE}`];
  const gw = router.gateway;
  const gwAddress = gw?.fixedIps[0]?.address;
  if (gw === undefined || gwAddress === undefined) return `${out.join('\n')}\n`;
  const qg = routerGatewayLink(gw.portId);
  const pre: string[] = [];
  const post: string[] = [];
  for (const f of router.floatingIps) {
    pre.push(`    ip daddr ${ipv4(f.floatingIp)} dnat ip to ${ipv4(f.fixedIp)}`);
    post.push(`    oifname "${qg}" ip saddr ${ipv4(f.fixedIp)} snat ip to ${ipv4(f.floatingIp)}`);
  }
  // Hairpin: a server reaching another's floating IP through this router is DNATed back out of an
  // interface; without a SNAT to the router's address there, the answer would go straight back from the
  // fixed IP, which the sender never asked.
  if (router.floatingIps.length > 0) post.push(`    iifname != "${qg}" oifname != "${qg}" ct status dnat masquerade`);
  if (gw.snat) {
    const subnets = [...new Set(router.interfaces.flatMap((i) => i.fixedIps.map((f) => cidrText(cidr(`${ipv4(f.address)}/${f.prefixLength}`)))))];
    if (subnets.length > 0) post.push(`    oifname "${qg}" ip saddr { ${subnets.join(', ')} } snat ip to ${ipv4(gwAddress)}`);
  }
  out.push(
    `table inet ${TABLE} {`,
    '  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;', ...pre, '  }',
    '  chain postrouting {', '    type nat hook postrouting priority srcnat; policy accept;', ...post, '  }',
    '}',
  );
  return `${out.join('\n')}\n`;
}
