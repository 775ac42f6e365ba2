import net from 'node:net';
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import type { QuireConfig } from '@/lib/config';
import { DOMAIN_NAME_MAX, DOMAIN_TYPED_MAX } from '@/lib/input/lengths';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Top-level names that never reach readers on the internet: loopback (`localhost`), multicast
 * DNS (`local`), private networks (`internal`), reverse DNS (`arpa`), and the names RFC 2606 and
 * RFC 6761 reserve for testing and documentation (`test`, `example`, `invalid`).
 */
const NOT_PUBLIC_TLDS: ReadonlySet<string> = new Set(['localhost', 'local', 'internal', 'arpa', 'test', 'example', 'invalid']);

export const IP_ADDRESS_REFUSED = 'Use a domain name, not an IP address.';

/** A host typed as an IP address: `192.168.1.10`, `::1`, `[::1]`, `[::1]:8080`, `127.1`, `0x7f.0.0.1`. */
function isIpLiteral(host: string): boolean {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed) return true;
  if (net.isIP(host)) return true;
  const withoutPort = host.replace(/:\d*$/, '');
  if (net.isIP(withoutPort)) return true;
  // The URL parser reads `127.1` and `0x7f.0.0.1` as IPv4, as browsers do.
  return !/[\s:@\\[\]]/.test(withoutPort) && net.isIP(domainToASCII(withoutPort)) !== 0;
}

/** What an author may type: a bare host name; a pasted URL is trimmed to its host. */
export const domainSchema = z
  .string({ error: 'Enter a domain, such as blog.example.org.' })
  .trim()
  .max(DOMAIN_TYPED_MAX, `A domain is at most ${DOMAIN_NAME_MAX} characters.`)
  .transform((value, ctx) => {
    const host = value
      .toLowerCase()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
      .replace(/[/?#].*$/, '')
      .replace(/\.$/, '');
    if (host && isIpLiteral(host)) {
      ctx.addIssue({ code: 'custom', message: IP_ADDRESS_REFUSED });
      return z.NEVER;
    }
    const ascii = host && !/[\s:@\\[\]]/.test(host) ? domainToASCII(host) : '';
    const labels = ascii.split('.');
    if (!ascii || ascii.length > 253 || !labels.every((label) => LABEL.test(label)) || /^\d+$/.test(labels.at(-1)!)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value.slice(0, 80)}" is not a domain name. Enter one such as blog.example.org (no port, no path).`,
      });
      return z.NEVER;
    }
    return ascii;
  });

/**
 * The platform's registrable domain (`example.com` for `blogs.example.com`), approximated as
 * the last two labels of its host name. That is wrong under two-label public suffixes such as
 * `co.uk` (it gives `co.uk` itself, so `example.co.uk` is not refused); the exact answer
 * needs the Public Suffix List.
 */
function platformApex(rootHostname: string): string | undefined {
  if (net.isIP(rootHostname.replace(/^\[|\]$/g, ''))) return undefined;
  return rootHostname.split('.').slice(-2).join('.');
}

/**
 * Why a well-formed domain cannot be claimed — the platform's own names (its domain, their
 * subdomains and its apex), names that are not public, single labels — or undefined.
 */
export function refusedDomainReason(domain: string, cfg: Pick<QuireConfig, 'rootHostname'>): string | undefined {
  const root = cfg.rootHostname;
  const apex = platformApex(root);
  if (domain === root || domain.endsWith(`.${root}`) || domain === apex) {
    return `${domain} belongs to this platform; the blog already has ${root} addresses.`;
  }
  if (net.isIP(domain)) return IP_ADDRESS_REFUSED;
  const tld = domain.split('.').at(-1)!;
  if (NOT_PUBLIC_TLDS.has(tld)) {
    return `${domain} is not a public name: names under .${tld} never reach readers on the internet. Use a domain you registered, such as blog.example.org.`;
  }
  if (!domain.includes('.')) return `"${domain}" is a single name, not a domain: enter one such as blog.example.org.`;
  return undefined;
}
