import { checkSlug } from './slug';

export type HostTarget =
  | { kind: 'root' }
  | { kind: 'blog'; slug: string }
  /** A well-formed name outside the platform's domain: perhaps a blog's custom domain. */
  | { kind: 'custom'; hostname: string }
  | { kind: 'invalid'; reason: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Classifies a raw `Host` header against the platform's root hostname. It only ever returns a
 * slug that passed `checkSlug`, so callers may build file paths from it. Ports are ignored:
 * the platform answers on whatever port it was reached through.
 */
export function parseHost(header: string | undefined, rootHostname: string): HostTarget {
  if (!header) return { kind: 'invalid', reason: 'missing host' };
  if (header.length > 260) return { kind: 'invalid', reason: 'host too long' };
  let host = header.toLowerCase();

  if (host.startsWith('[')) return { kind: 'invalid', reason: 'IP literal' };
  const portMatch = /:(\d{1,5})$/.exec(host);
  if (portMatch) {
    const port = Number(portMatch[1]);
    if (port < 1 || port > 65535) return { kind: 'invalid', reason: 'bad port' };
    host = host.slice(0, portMatch.index);
  }
  if (host.endsWith('.')) host = host.slice(0, -1); // the fully-qualified spelling of the same name
  if (host.length === 0 || host.length > 253) return { kind: 'invalid', reason: 'bad length' };

  const labels = host.split('.');
  if (!labels.every((label) => LABEL.test(label))) return { kind: 'invalid', reason: 'bad label' };
  if (/^[0-9.]+$/.test(host)) return { kind: 'invalid', reason: 'IP literal' };

  if (host === rootHostname) return { kind: 'root' };
  const suffix = `.${rootHostname}`;
  if (!host.endsWith(suffix)) return labels.length >= 2 ? { kind: 'custom', hostname: host } : { kind: 'invalid', reason: 'foreign host' };
  const sub = host.slice(0, -suffix.length);
  if (sub.includes('.')) return { kind: 'invalid', reason: 'nested subdomain' };
  const slug = checkSlug(sub);
  if (!slug.ok) return { kind: 'invalid', reason: slug.error };
  return { kind: 'blog', slug: slug.slug };
}
