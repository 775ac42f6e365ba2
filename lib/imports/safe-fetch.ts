import dns, { type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import os from 'node:os';
import ipaddr from 'ipaddr.js';
import { config } from '@/lib/config';

/**
 * The one way the server fetches a URL someone else named (an image an imported post links
 * to), built so that such a URL can never make the server reach what only it can reach:
 *
 * - http and https only; no user name or password; the scheme's own port or one from 1024 up
 *   (images on :8080 exist, mail, SSH and the like sit below 1024).
 * - The host is resolved once (dns.lookup, as every program on the machine would) and refused
 *   if ANY of its addresses is not public, so that no choice among them can land inside.
 *   Public means ipaddr.js's `unicast` (and 2000::/3 for IPv6) and not one of this machine's
 *   own addresses (a service a firewall hides from the internet still answers those); an
 *   IPv4-mapped IPv6 address is judged as the IPv4 address it wraps. Private, loopback,
 *   link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, reserved, multicast,
 *   6to4, Teredo and NAT64 are all refused.
 * - The connection goes to those checked addresses (the `lookup` option answers with them),
 *   never to a second resolution, so a name cannot say "public" to the check and "private" to
 *   the connection (DNS rebinding). IP literals in any spelling (`2130706433`, `0x7f.1`,
 *   `[::ffff:127.0.0.1]`) are normalised by the URL parser before they are checked.
 * - Redirects are followed by hand, at most 5, each target checked from the start.
 * - One deadline covers everything (names, connections, redirects, bodies); the body is held to
 *   `maxBytes` as it arrives, and a larger Content-Length is refused unread. No Accept-Encoding
 *   is sent, and a compressed answer is refused rather than inflated.
 * - QUIRE_FETCH_ALLOW_LOOPBACK=1 (tests and benchmarks only) admits loopback, nothing more.
 *
 * Every refusal is a `FetchRefused`, whose message is a short reason the import's report lists
 * beside the image ("it answered 404").
 */
export class FetchRefused extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'FetchRefused';
  }
}

export type FetchPublicOptions = {
  /** The largest body taken. */
  maxBytes: number;
  /** For the whole fetch: resolving, connecting, redirects and the body. */
  timeoutMs: number;
  /** The Accept header (any type by default). */
  accept?: string;
  /** The caller's own cancellation: the fetch then rejects with the signal's reason. */
  signal?: AbortSignal;
};

export type FetchedFile = { bytes: Buffer; contentType: string | undefined; finalUrl: string };

const MAX_REDIRECTS = 5;
const MAX_URL_CHARS = 8192;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'Quire-Import/1 (+self-hosted blog import)';
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

export async function fetchPublic(url: string, options: FetchPublicOptions): Promise<FetchedFile> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new FetchRefused(`it took longer than ${seconds(options.timeoutMs)}`)), options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  try {
    let target = checkedUrl(url);
    for (let redirects = 0; ; redirects++) {
      const addresses = await untilAborted(publicAddresses(target.hostname), signal);
      const answer = await get(target, addresses, options, signal);
      if ('bytes' in answer) return { ...answer, finalUrl: target.href };
      if (redirects === MAX_REDIRECTS) throw new FetchRefused('too many redirects');
      target = checkedUrl(answer.location, target);
    }
  } catch (error) {
    // Whatever the connection said on its way down, the deadline or the caller ended it.
    throw signal.aborted ? signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}

function checkedUrl(raw: string, base?: URL): URL {
  if (raw.length > MAX_URL_CHARS) throw new FetchRefused('the address is too long');
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new FetchRefused(base ? 'it redirected to something that is not an address' : 'it is not an address');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefused('only http and https are fetched');
  if (url.username || url.password) throw new FetchRefused('the address carries a user name or password');
  const port = Number(url.port); // 0: the scheme's own (the parser drops :80 on http, :443 on https)
  if (port !== 0 && port !== 80 && port !== 443 && port < 1024)
    throw new FetchRefused(`port ${port} is not fetched (only 80, 443 and 1024 up)`);
  return url;
}

/** The host's addresses, every one of them checked. */
async function publicAddresses(hostname: string): Promise<LookupAddress[]> {
  const literal = hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(literal)) {
    const kind = addressKind(literal);
    if (!admitted(kind)) throw new FetchRefused(`the address is ${kind === 'own' ? "this server's own" : 'private'} (${literal})`);
    return [{ address: literal, family: net.isIP(literal) }];
  }
  let addresses: LookupAddress[];
  try {
    addresses = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  } catch {
    throw new FetchRefused('the name does not resolve');
  }
  if (addresses.length === 0) throw new FetchRefused('the name does not resolve');
  for (const { address } of addresses) {
    const kind = addressKind(address);
    if (!admitted(kind))
      throw new FetchRefused(`the name resolves to ${kind === 'own' ? "this server's own" : 'a private'} address (${address})`);
  }
  return addresses;
}

type AddressKind = 'public' | 'loopback' | 'own' | 'private';

function admitted(kind: AddressKind): boolean {
  return kind === 'public' || (kind === 'loopback' && config().fetchAllowLoopback);
}

function addressKind(address: string): AddressKind {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address); // ::ffff:10.0.0.5 is 10.0.0.5
  } catch {
    return 'private';
  }
  const range = ip.range();
  if (range === 'loopback') return 'loopback';
  if (range !== 'unicast' || (ip instanceof ipaddr.IPv6 && !ip.match(GLOBAL_UNICAST_V6))) return 'private';
  return isOwnAddress(ip) ? 'own' : 'public';
}

function isOwnAddress(ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  const normal = ip.toNormalizedString();
  return Object.values(os.networkInterfaces()).some((list) =>
    list?.some((local) => ipaddr.isValid(local.address) && ipaddr.process(local.address).toNormalizedString() === normal),
  );
}

/** The connection's own look-up, answered with the addresses already checked. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

type Answer = { bytes: Buffer; contentType: string | undefined } | { location: string };

function get(target: URL, addresses: LookupAddress[], options: FetchPublicOptions, signal: AbortSignal): Promise<Answer> {
  const tooLarge = `it is larger than ${size(options.maxBytes)}`;
  return new Promise((resolve, reject) => {
    const refuse = (reason: string) => {
      request.destroy();
      reject(new FetchRefused(reason));
    };
    const request = (target.protocol === 'https:' ? https : http).get(
      target,
      {
        agent: false, // a connection of its own: never a pooled socket that other code opened
        lookup: pinnedLookup(addresses),
        signal,
        headers: { 'user-agent': USER_AGENT, accept: options.accept ?? '*/*' },
      },
      (response) => {
        // Once the answer has begun, its only failure is the connection ending early.
        const cutShort = () => reject(new FetchRefused('the connection closed before the end'));
        response.on('error', cutShort);
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (REDIRECT_STATUSES.has(status) && location) {
          request.destroy();
          return resolve({ location });
        }
        if (status < 200 || status > 299) return refuse(`it answered ${status}`);
        const encoding = response.headers['content-encoding'];
        if (encoding && encoding !== 'identity') return refuse(`it answered compressed (${encoding})`);
        if (Number(response.headers['content-length']) > options.maxBytes) return refuse(tooLarge);
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > options.maxBytes) return refuse(tooLarge);
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ bytes: Buffer.concat(chunks, received), contentType: response.headers['content-type'] }));
        response.on('close', () => {
          if (!response.complete) cutShort();
        });
      },
    );
    request.on('error', (error) => reject(unreachable(error)));
  });
}

function unreachable(error: NodeJS.ErrnoException): FetchRefused {
  return error instanceof FetchRefused ? error : new FetchRefused(`it could not be reached (${error.code ?? error.message})`);
}

/** The promise, or the signal's reason as soon as it aborts (a look-up cannot be cancelled). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function seconds(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}

function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}
