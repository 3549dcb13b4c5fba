import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Postfix-style mynetworks: CIDR blocks, IPv4 and IPv6; IPv4-mapped IPv6 clients match IPv4 blocks. */
export function createTrustedNetworks(cidrs: readonly string[]) {
  const ranges: Range[] = cidrs.map((cidr) => (cidr.includes('/') ? ipaddr.parseCIDR(cidr) : [ipaddr.parse(cidr), ipaddr.parse(cidr).kind() === 'ipv4' ? 32 : 128]));
  return {
    contains(address: string): boolean {
      if (!ipaddr.isValid(address)) return false;
      let parsed = ipaddr.parse(address);
      if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
      return ranges.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
    },
  };
}
