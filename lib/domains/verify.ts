import dns from 'node:dns';
import http from 'node:http';
import type { LookupFunction } from 'node:net';

const TIMEOUT_MS = 5_000;
const ANSWER_MAX_BYTES = 1024;

/**
 * `*.localhost` is loopback (RFC 6761), as browsers treat it; the system resolver may not.
 * Everything else resolves as usual.
 */
const lookup: LookupFunction = (hostname, options, callback) => {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  dns.lookup(hostname, options, callback);
};

export type VerificationAnswer = { ok: true } | { ok: false; reason: string };

/**
 * Asks `http://<domain>[:port]/.well-known/quire-verify/<token>` — through the domain's own DNS,
 * as a reader's browser would reach it — and checks that the token comes back. No redirects
 * are followed and at most 1 KB is read: the answer is only compared, never shown.
 */
export function fetchVerificationToken(domain: string, token: string, port: number): Promise<VerificationAnswer> {
  const where = `http://${domain}${port === 80 ? '' : `:${port}`}/.well-known/quire-verify/${token}`;
  return new Promise((resolve) => {
    const req = http.get({ host: domain, port, path: `/.well-known/quire-verify/${token}`, lookup, timeout: TIMEOUT_MS, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > ANSWER_MAX_BYTES) req.destroy();
      });
      res.on('end', () => {
        if (res.statusCode === 200 && body.trim() === token) resolve({ ok: true });
        else resolve({ ok: false, reason: `${where} answered ${res.statusCode}, not this blog's token. Check that the domain's DNS record points to this platform.` });
      });
      res.on('error', () => resolve({ ok: false, reason: `the answer from ${where} was cut off.` }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN'
          ? 'its DNS record was not found (new records can take a while to appear)'
          : error.code === 'ECONNREFUSED'
            ? 'the connection was refused'
            : error.message === 'timed out'
              ? `no answer within ${TIMEOUT_MS / 1000} s`
              : error.message;
      resolve({ ok: false, reason: `Quire could not reach ${where}: ${why}.` });
    });
  });
}
