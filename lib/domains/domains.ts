import { and, asc, eq, isNotNull, isNull, lte, ne, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { generateSecureRandomString } from '@/lib/auth/tokens';
import { config, publicScheme, type QuireConfig } from '@/lib/config';
import { controlDb, type ControlOrm } from '@/lib/db/control';
import { blogDomains, memberships, type Blog, type BlogDomain, type User } from '@/lib/db/schema/control';
import { conflict, notFoundError } from '@/lib/http/errors';
import { InputError, parseInput } from '@/lib/input';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { syncRoutes } from '@/lib/cluster/placement';
import { customDomainTarget, registeredBlog, type DomainTarget } from '@/lib/registry/registry';
import { domainSchema, refusedDomainReason } from './names';
import { challengeName, hasChallengeRecord } from './verify';

/**
 * Custom domains: an author claims `blog.example.org` and gets a token; they prove they own the
 * name with a DNS TXT record `_quire-challenge.blog.example.org` holding that token, and point
 * the name at the platform (a CNAME to the root domain, or an A record) so readers reach it.
 * Once verified, the front serves the blog there, sends the blog's subdomain there with a 301,
 * and every absolute URL (feeds, canonical) uses it.
 *
 * A claim proves nothing until then, so it does not keep the name from anyone: other blogs may
 * claim it too, each with its own token, and the first to show its token in DNS gets it (the
 * other claims are removed then). An unverified claim expires after UNVERIFIED_CLAIM_DAYS.
 *
 * The front asks on every request, so it reads the mapping from the blog registry, in memory
 * (lib/registry/registry.ts).
 */

const DOMAINS_PER_BLOG_MAX = 5;

/** How long a claim may stay unverified; after that it is removed and blocks nobody. */
const UNVERIFIED_CLAIM_DAYS = 7;
const UNVERIFIED_CLAIM_MS = UNVERIFIED_CLAIM_DAYS * 24 * 60 * 60 * 1000;

/** For a name another account's blog serves: the same words as any name that cannot be had. */
const DOMAIN_UNAVAILABLE = 'This domain cannot be added here.';
/** For a name another blog of the same owner serves. */
const DOMAIN_IN_USE_BY_YOU = 'This domain is already in use on this platform. If it is yours, remove it from the other blog first.';

/** When an unverified claim stops counting; verified domains do not expire. */
export function claimExpiresAt(row: Pick<BlogDomain, 'verifiedAt' | 'createdAt'>): Date | null {
  return row.verifiedAt ? null : new Date(row.createdAt.getTime() + UNVERIFIED_CLAIM_MS);
}

const notVerifiedMessage = (domain: string) =>
  `No TXT record ${challengeName(domain)} with this blog's token was found yet (new records can take a while to appear).`;

/** Removes the expired unverified claims among `which`; the map is rebuilt when any went. */
async function removeExpiredClaims(which: SQL | undefined, db: ControlOrm = controlDb().orm): Promise<void> {
  const cutoff = new Date(Date.now() - UNVERIFIED_CLAIM_MS);
  await db
    .delete(blogDomains)
    .where(and(isNull(blogDomains.verifiedAt), lte(blogDomains.createdAt, cutoff), which))
    .run();
}

/** The blog's domains and live claims (expired claims are removed on the way); `db`: a transaction's. */
export async function listDomains(blog: Blog, db: ControlOrm = controlDb().orm): Promise<BlogDomain[]> {
  await removeExpiredClaims(eq(blogDomains.blogId, blog.id), db);
  return db.select().from(blogDomains).where(eq(blogDomains.blogId, blog.id)).orderBy(asc(blogDomains.createdAt)).all();
}

/** Names the author cannot have, by their look alone: the platform's own, IPs, names that are not public. */
function parseDomain(input: unknown, cfg: QuireConfig): string {
  const domain = parseInput(z.object({ domain: domainSchema }), input).domain;
  const refused = refusedDomainReason(domain, cfg);
  if (refused) throw new InputError(refused);
  return domain;
}

async function ownsBlog(userId: number, blogId: number, db: ControlOrm): Promise<boolean> {
  const row = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), eq(memberships.blogId, blogId)))
    .get();
  return row?.role === 'owner';
}

/**
 * Claims a domain for the blog, unverified; answers the row with its token. Another blog's
 * unverified claim does not stand in the way (nor is it mentioned); a name another blog has
 * verified is refused in words that say whose only to the owner of both.
 */
export async function addDomain(blog: Blog, user: Pick<User, 'id'>, input: unknown): Promise<BlogDomain> {
  const domain = parseDomain(input, config());
  return controlDb().transaction(async (tx) => {
    await removeExpiredClaims(eq(blogDomains.domain, domain), tx);
    const claims = await tx.select().from(blogDomains).where(eq(blogDomains.domain, domain)).all();
    if (claims.some((claim) => claim.blogId === blog.id)) throw conflict(`${domain} is already added to this blog.`);
    const holder = claims.find((claim) => claim.verifiedAt);
    if (holder) throw conflict((await ownsBlog(user.id, holder.blogId, tx)) ? DOMAIN_IN_USE_BY_YOU : DOMAIN_UNAVAILABLE);
    if ((await listDomains(blog, tx)).length >= DOMAINS_PER_BLOG_MAX) {
      throw new InputError(`A blog has at most ${DOMAINS_PER_BLOG_MAX} custom domains.`);
    }
    return tx
      .insert(blogDomains)
      .values({ domain, blogId: blog.id, token: generateSecureRandomString(), createdAt: new Date() })
      .returning()
      .get();
  });
}

const ofBlog = (blog: Blog, domain: string) => and(eq(blogDomains.domain, domain), eq(blogDomains.blogId, blog.id));

function findOwnDomain(blog: Blog, domain: string, db: ControlOrm = controlDb().orm): Promise<BlogDomain | undefined> {
  return db.select().from(blogDomains).where(ofBlog(blog, domain)).get();
}

async function ownDomain(blog: Blog, domain: string): Promise<BlogDomain> {
  const row = await findOwnDomain(blog, domain);
  if (!row) throw notFoundError(`${domain} is not a domain of this blog.`);
  return row;
}

/**
 * Looks for the claim's token in the TXT record `_quire-challenge.<domain>`: only whoever
 * controls the domain's DNS can put it there. The first verified domain becomes the blog's
 * primary address; other blogs' claims of the name are removed.
 */
export async function verifyDomain(blog: Blog, domain: string): Promise<BlogDomain> {
  const row = await ownDomain(blog, domain);
  if (row.verifiedAt) return row;
  if (claimExpiresAt(row)!.getTime() <= Date.now()) {
    await removeExpiredClaims(ofBlog(blog, domain));
    throw new InputError(
      `The claim on ${domain} expired: it was not verified within ${UNVERIFIED_CLAIM_DAYS} days. Add the domain again for a new token.`,
    );
  }
  // The rules may have changed since the name was claimed (another platform domain, say).
  const refused = refusedDomainReason(domain, config());
  if (refused) throw new InputError(refused);
  if (!(await hasChallengeRecord(domain, row.token, config().dnsServers))) throw new InputError(notVerifiedMessage(domain));

  const verified = await controlDb().transaction(async (tx) => {
    // Read again: the lookup took a while, and another blog may have won the name meanwhile.
    const current = await findOwnDomain(blog, domain, tx);
    if (!current) throw notFoundError(`${domain} is not a domain of this blog.`);
    if (current.verifiedAt) return current;
    const taken = await tx
      .select({ blogId: blogDomains.blogId })
      .from(blogDomains)
      .where(and(eq(blogDomains.domain, domain), isNotNull(blogDomains.verifiedAt)))
      .get();
    if (taken) throw conflict(DOMAIN_UNAVAILABLE);
    await tx
      .delete(blogDomains)
      .where(and(eq(blogDomains.domain, domain), ne(blogDomains.blogId, blog.id)))
      .run();
    const hasPrimary = (await listDomains(blog, tx)).some((d) => d.isPrimary);
    return (await tx
      .update(blogDomains)
      .set({ verifiedAt: new Date(), isPrimary: !hasPrimary })
      .where(ofBlog(blog, domain))
      .returning()
      .get())!;
  });
  domainChanged(blog);
  return verified;
}

export async function makePrimaryDomain(blog: Blog, domain: string): Promise<void> {
  const row = await ownDomain(blog, domain);
  if (!row.verifiedAt) throw new InputError(`Verify ${domain} before making it the blog's address.`);
  await controlDb().transaction(async (tx) => {
    await tx.update(blogDomains).set({ isPrimary: false }).where(eq(blogDomains.blogId, blog.id)).run();
    await tx.update(blogDomains).set({ isPrimary: true }).where(ofBlog(blog, domain)).run();
  });
  domainChanged(blog);
}

/** Stops serving the domain at once; another verified domain, if any, becomes primary. */
export async function removeDomain(blog: Blog, domain: string): Promise<void> {
  const row = await ownDomain(blog, domain);
  await controlDb().transaction(async (tx) => {
    await tx.delete(blogDomains).where(ofBlog(blog, domain)).run();
    if (row.isPrimary) {
      const next = (await listDomains(blog, tx)).find((d) => d.verifiedAt);
      if (next) await tx.update(blogDomains).set({ isPrimary: true }).where(ofBlog(blog, next.domain)).run();
    }
  });
  domainChanged(blog);
}

/** Pages carry the blog's absolute address (canonical, feeds): cached copies must go. */
function domainChanged(blog: Blog): void {
  bumpGeneration(blog.slug);
  // In a cluster, the proxy sends the name to the blog's node (nothing on a single machine).
  void syncRoutes().catch((error: unknown) => console.error(`[quire] routes not published: ${(error as Error).message}`));
}

/** The blog a custom domain is verified for, else one that claims it (the front serves only verified ones). */
export function resolveCustomDomain(hostname: string): DomainTarget | undefined {
  return customDomainTarget(hostname);
}

/** The blog's primary custom domain, once verified. */
export function primaryDomainOf(slug: string): string | undefined {
  return registeredBlog(slug)?.primaryDomain;
}

/**
 * For a TLS proxy's on-demand certificates (Caddy's `ask`): is this a host we serve? Verified
 * custom domains of live blogs, and the subdomains of live blogs.
 */
export function isServedHost(target: { kind: 'blog'; slug: string } | { kind: 'custom'; hostname: string }): boolean {
  const custom = target.kind === 'custom' ? resolveCustomDomain(target.hostname) : undefined;
  const slug = target.kind === 'blog' ? target.slug : custom?.verified ? custom.slug : undefined;
  if (!slug) return false;
  return registeredBlog(slug)?.status === 'active';
}

/** The address of a custom domain: the platform's scheme, and its port when it has one (development). */
export function customDomainUrl(domain: string, cfg: QuireConfig = config()): string {
  const scheme = publicScheme(cfg);
  const port = /:\d+$/.exec(cfg.rootDomain)?.[0] ?? '';
  return `${scheme}://${domain}${port}`;
}
