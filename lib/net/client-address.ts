import { BlockList, isIP } from 'node:net';

/**
 * Which peers may say who the client is (`X-Forwarded-For`): the reverse proxies the operator
 * names in `QUIRE_TRUSTED_PROXIES` (addresses or CIDR ranges). Anyone else who can reach the
 * port is the client, whatever header it sends.
 */
export type TrustedProxies = { list: BlockList; count: number };

/** Parses `127.0.0.1, ::1, 10.0.0.0/8`; throws a sentence naming a bad entry. */
export function parseTrustedProxies(value: string): TrustedProxies {
  const list = new BlockList();
  let count = 0;
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '');
    if (!family || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
      throw new Error(`QUIRE_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address!, type);
    else {
      const prefix = Number(bits);
      if (prefix > (family === 4 ? 32 : 128)) throw new Error(`QUIRE_TRUSTED_PROXIES: "${entry}" has an impossible prefix length`);
      list.addSubnet(address!, prefix, type);
    }
    count++;
  }
  return { list, count };
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is `127.0.0.1`. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function isTrusted(proxies: TrustedProxies, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && proxies.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The client's address: the socket's peer, unless the peer is a trusted proxy; then the
 * `X-Forwarded-For` hops are read from the right, skipping trusted proxies, and the first other
 * address is the client (hops further left were written by the client and prove nothing).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, proxies: TrustedProxies): string {
  const socket = plain(peer ?? '');
  if (!socket) return 'unknown';
  if (proxies.count === 0 || !isTrusted(proxies, socket)) return socket;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '')).split(',').map((hop) => plain(hop.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!isIP(hop)) return socket; // a malformed hop: trust nothing the header says
    if (!isTrusted(proxies, hop)) return hop;
  }
  return socket;
}
