import { Resolver } from 'node:dns/promises';

/** The label under a domain where its owner puts the claim's token, as a TXT record. */
const CHALLENGE_LABEL = '_quire-challenge';

export const challengeName = (domain: string): string => `${CHALLENGE_LABEL}.${domain}`;

/** Each server is asked at most TRIES times, waiting TIMEOUT_MS at first (c-ares waits longer on a retry): a silent server costs about 6 s. */
const TIMEOUT_MS = 2_500;
const TRIES = 2;

/** Errors that only mean "there is no such record": not worth the operator's attention. */
const NO_RECORD = new Set(['ENODATA', 'ENOTFOUND']);

/**
 * Whether a TXT record `_quire-challenge.<domain>` holds exactly `token` (a record's strings
 * joined, as long records are split in 255-byte chunks). Asks DNS only — nothing is ever
 * fetched from the domain, so no address it names is contacted — through `servers` (the
 * operator's QUIRE_DNS_SERVERS) or the system's. The answer is yes or no: what the resolver said
 * goes to the server's log, never to the author.
 */
export async function hasChallengeRecord(domain: string, token: string, servers: readonly string[]): Promise<boolean> {
  const resolver = new Resolver({ timeout: TIMEOUT_MS, tries: TRIES });
  if (servers.length > 0) resolver.setServers(servers);
  try {
    const records = await resolver.resolveTxt(challengeName(domain));
    return records.some((chunks) => chunks.join('') === token);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code || !NO_RECORD.has(code)) console.warn(`[quire] TXT lookup of ${challengeName(domain)} failed: ${code ?? String(error)}`);
    return false;
  }
}
