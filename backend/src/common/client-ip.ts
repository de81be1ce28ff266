import { BlockList, isIP } from 'net';

/**
 * The address of the person behind a request, for audit rows, sessions and login throttling.
 *
 * Behind a load balancer the TCP peer is the balancer; the person's address is in
 * X-Forwarded-For, which every proxy extends on the right. Anyone can send that header, so only
 * the hops added by proxies we run count: walk from the right (the TCP peer first) while the
 * address is a configured trusted proxy, and take the first address that is not. With no trusted
 * proxy configured the header is ignored and the TCP peer is the client.
 */

/** Hops looked at, at most: more proxies than this in front of one platform is a misconfiguration or an attack. */
const MAX_HOPS = 16;

/** An address as a client or proxy writes it: `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80`, `::ffff:1.2.3.4`, `fe80::1%eth0`. */
export function normaliseAddress(raw: string | undefined | null): string | null {
  let value = (raw ?? '').trim();
  if (!value) return null;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  value = value.replace(/%.*$/, '');
  // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; record it as the IPv4 address.
  const mapped = /^::ffff:(\d{1,3}(\.\d{1,3}){3})$/i.exec(value);
  if (mapped) value = mapped[1];
  const family = isIP(value);
  if (!family) return null;
  return family === 6 ? value.toLowerCase() : value;
}

/** `10.0.0.0/8`, `192.168.1.10`, `fd00::/8`, `::1`: the entry normalised, or null when it is not one. */
export function parseProxyEntry(entry: string): { address: string; prefix: number | null; family: 'ipv4' | 'ipv6' } | null {
  const [host, bits, ...rest] = entry.trim().split('/');
  if (rest.length) return null;
  const address = normaliseAddress(host);
  if (!address || (bits !== undefined && !/^\d{1,3}$/.test(bits))) return null;
  const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  const prefix = bits === undefined ? null : Number(bits);
  if (prefix !== null && prefix > (family === 'ipv4' ? 32 : 128)) return null;
  return { address, prefix, family };
}

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parseProxyEntry(entry);
      if (!parsed) throw new Error(`TRUSTED_PROXIES 中的“${entry}”不是 IP 地址或网段（CIDR）`);
      if (parsed.prefix === null) this.list.addAddress(parsed.address, parsed.family);
      else this.list.addSubnet(parsed.address, parsed.prefix, parsed.family);
    }
    this.size = entries.length;
  }

  trusts(address: string): boolean {
    const family = isIP(address);
    return this.size > 0 && family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** The client's address from the TCP peer and the X-Forwarded-For header (see the top of this file). */
  clientAddress(peer: string | undefined, forwardedFor: string | undefined): string | null {
    let address = normaliseAddress(peer);
    if (!address || !forwardedFor || !this.trusts(address)) return address;
    const hops = forwardedFor.split(',').slice(-MAX_HOPS);
    while (address && this.trusts(address) && hops.length) {
      const next = normaliseAddress(hops.pop());
      // A hop our own proxy wrote but that is not an address: keep the last address we can vouch for.
      if (!next) break;
      address = next;
    }
    return address;
  }
}
