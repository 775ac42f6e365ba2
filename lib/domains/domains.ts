import { domainToASCII } from 'node:url';
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { generateSecureRandomString } from '@/lib/auth/tokens';
import { config, platformUrl, type QuireConfig } from '@/lib/config';
import { controlDb } from '@/lib/db/control';
import { blogDomains, blogs, type Blog, type BlogDomain } from '@/lib/db/schema/control';
import { conflict, notFound } from '@/lib/http/errors';
import { InputError, parseInput } from '@/lib/input';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { processWide } from '@/lib/process/shared';
import { fetchVerificationToken } from './verify';

/**
 * Custom domains: an author points `blog.example.org` at the platform (a CNAME to the root
 * domain), Quire checks that the domain reaches it by fetching a token from
 * `/.well-known/quire-verify/<token>` there, and from then on the front serves the blog on it,
 * sends the blog's subdomain there with a 301, and every absolute URL (feeds, canonical) uses it.
 *
 * The front asks on every request, so the mapping is held in memory: rebuilt after any change
 * made here, and after any write to control.db by another process (`PRAGMA data_version`).
 */

export const DOMAINS_PER_BLOG_MAX = 5;
export const VERIFY_PATH_PREFIX = '/.well-known/quire-verify/';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** What an author may type: a bare host name; a pasted URL is trimmed to its host. */
export const domainSchema = z
  .string({ error: 'Enter a domain, such as blog.example.org.' })
  .trim()
  .max(300, 'A domain is at most 253 characters.')
  .transform((value, ctx) => {
    const host = value
      .toLowerCase()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
      .replace(/[/?#].*$/, '')
      .replace(/\.$/, '');
    const ascii = host && !/[\s:@\\[\]]/.test(host) ? domainToASCII(host) : '';
    const labels = ascii.split('.');
    if (!ascii || ascii.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
      ctx.addIssue({ code: 'custom', message: `"${value.slice(0, 80)}" is not a domain name. Enter one such as blog.example.org (no port, no path).` });
      return z.NEVER;
    }
    if (/^\d+$/.test(labels.at(-1)!)) {
      ctx.addIssue({ code: 'custom', message: 'Use a domain name, not an IP address.' });
      return z.NEVER;
    }
    return ascii;
  });

/** A domain the platform itself answers on cannot be claimed by one blog. */
function assertNotPlatformDomain(domain: string, cfg: QuireConfig): void {
  const root = cfg.rootHostname;
  if (domain === root || domain.endsWith(`.${root}`) || domain === 'localhost') {
    throw new InputError(`${domain} belongs to this platform; the blog already has ${root} addresses.`);
  }
}

export function listDomains(blog: Blog): BlogDomain[] {
  return controlDb()
    .orm.select()
    .from(blogDomains)
    .where(eq(blogDomains.blogId, blog.id))
    .orderBy(asc(blogDomains.createdAt))
    .all();
}

/** Claims a domain for the blog, unverified; answers the row with its token. */
export function addDomain(blog: Blog, input: unknown): BlogDomain {
  const domain = parseInput(z.object({ domain: domainSchema }), input).domain;
  assertNotPlatformDomain(domain, config());
  const db = controlDb();
  const row = db.sqlite.transaction(() => {
    const existing = db.orm.select().from(blogDomains).where(eq(blogDomains.domain, domain)).get();
    if (existing?.blogId === blog.id) throw conflict(`${domain} is already added to this blog.`);
    if (existing) throw conflict(`${domain} is already claimed by another blog on this platform.`);
    if (listDomains(blog).length >= DOMAINS_PER_BLOG_MAX) {
      throw new InputError(`A blog has at most ${DOMAINS_PER_BLOG_MAX} custom domains.`);
    }
    return db.orm
      .insert(blogDomains)
      .values({ domain, blogId: blog.id, token: generateSecureRandomString(), createdAt: new Date() })
      .returning()
      .get();
  })();
  forgetDomainMap();
  return row;
}

function ownDomain(blog: Blog, domain: string): BlogDomain {
  const row = controlDb()
    .orm.select()
    .from(blogDomains)
    .where(and(eq(blogDomains.domain, domain), eq(blogDomains.blogId, blog.id)))
    .get();
  if (!row) throw notFound(`${domain} is not a domain of this blog.`);
  return row;
}

/**
 * Fetches the token through the domain itself: if it comes back, the domain's DNS reaches
 * this server. The first verified domain becomes the blog's primary address.
 */
export async function verifyDomain(blog: Blog, domain: string): Promise<BlogDomain> {
  const row = ownDomain(blog, domain);
  if (row.verifiedAt) return row;
  const cfg = config();
  const answer = await fetchVerificationToken(domain, row.token, cfg.domainVerifyPort);
  if (!answer.ok) throw new InputError(`${domain} is not verified yet: ${answer.reason}`);
  const db = controlDb();
  const verified = db.sqlite.transaction(() => {
    const hasPrimary = listDomains(blog).some((d) => d.isPrimary);
    return db.orm
      .update(blogDomains)
      .set({ verifiedAt: new Date(), isPrimary: !hasPrimary })
      .where(eq(blogDomains.domain, domain))
      .returning()
      .get();
  })();
  domainChanged(blog);
  return verified;
}

export function makePrimaryDomain(blog: Blog, domain: string): void {
  const row = ownDomain(blog, domain);
  if (!row.verifiedAt) throw new InputError(`Verify ${domain} before making it the blog's address.`);
  const db = controlDb();
  db.sqlite.transaction(() => {
    db.orm.update(blogDomains).set({ isPrimary: false }).where(eq(blogDomains.blogId, blog.id)).run();
    db.orm.update(blogDomains).set({ isPrimary: true }).where(eq(blogDomains.domain, domain)).run();
  })();
  domainChanged(blog);
}

/** Stops serving the domain at once; another verified domain, if any, becomes primary. */
export function removeDomain(blog: Blog, domain: string): void {
  const row = ownDomain(blog, domain);
  const db = controlDb();
  db.sqlite.transaction(() => {
    db.orm.delete(blogDomains).where(eq(blogDomains.domain, domain)).run();
    if (row.isPrimary) {
      const next = listDomains(blog).find((d) => d.verifiedAt);
      if (next) db.orm.update(blogDomains).set({ isPrimary: true }).where(eq(blogDomains.domain, next.domain)).run();
    }
  })();
  domainChanged(blog);
}

/** Pages carry the blog's absolute address (canonical, feeds): cached copies must go. */
function domainChanged(blog: Blog): void {
  forgetDomainMap();
  bumpGeneration(blog.slug);
}

// ── The in-memory map the front reads ────────────────────────────────────────────────────

export type DomainTarget = { slug: string; token: string; verified: boolean; isPrimary: boolean };

type DomainMap = {
  dataVersion: number;
  byDomain: Map<string, DomainTarget>;
  primaryBySlug: Map<string, string>;
};

/** One holder per process, shared by the front and Next's bundles. */
const holder = () => processWide('custom-domains', () => ({ map: undefined as DomainMap | undefined }));

function domainMap(): DomainMap {
  const db = controlDb();
  // Asked on every blog request: a prepared statement, not db.pragma() (which compiles each time).
  const dataVersion = db.statement('data_version', () => db.sqlite.prepare('PRAGMA data_version').pluck()).get() as number;
  const cached = holder().map;
  if (cached && cached.dataVersion === dataVersion) return cached;
  const rows = db.orm
    .select({ domain: blogDomains.domain, slug: blogs.slug, token: blogDomains.token, verifiedAt: blogDomains.verifiedAt, isPrimary: blogDomains.isPrimary })
    .from(blogDomains)
    .innerJoin(blogs, eq(blogs.id, blogDomains.blogId))
    .all();
  const map: DomainMap = { dataVersion, byDomain: new Map(), primaryBySlug: new Map() };
  for (const row of rows) {
    map.byDomain.set(row.domain, { slug: row.slug, token: row.token, verified: row.verifiedAt !== null, isPrimary: row.isPrimary });
    if (row.isPrimary && row.verifiedAt) map.primaryBySlug.set(row.slug, row.domain);
  }
  holder().map = map;
  return map;
}

/** After a change in this process (data_version only moves for other connections' writes). */
function forgetDomainMap(): void {
  holder().map = undefined;
}

/** The blog a custom domain belongs to, verified or not (the front serves only verified ones). */
export function resolveCustomDomain(hostname: string): DomainTarget | undefined {
  return domainMap().byDomain.get(hostname);
}

/** The blog's primary custom domain, once verified. */
export function primaryDomainOf(slug: string): string | undefined {
  return domainMap().primaryBySlug.get(slug);
}

/** The answer to `/.well-known/quire-verify/<token>` on a claimed domain: its token, or nothing. */
export function verificationAnswer(domain: DomainTarget, pathname: string): string | undefined {
  return pathname === VERIFY_PATH_PREFIX + domain.token ? domain.token : undefined;
}

/**
 * For a TLS proxy's on-demand certificates (Caddy's `ask`): is this a host we serve? Verified
 * custom domains of live blogs, and the subdomains of live blogs.
 */
export function isServedHost(target: { kind: 'blog'; slug: string } | { kind: 'custom'; hostname: string }): boolean {
  const custom = target.kind === 'custom' ? resolveCustomDomain(target.hostname) : undefined;
  const slug = target.kind === 'blog' ? target.slug : custom?.verified ? custom.slug : undefined;
  if (!slug) return false;
  // Not lib/blogs' findBlog: lib/blogs → pages → media → address → here would be an import cycle.
  const blog = controlDb().orm.select({ status: blogs.status }).from(blogs).where(eq(blogs.slug, slug)).get();
  return blog?.status === 'active';
}

/** The address of a custom domain: the platform's scheme, and its port when it has one (development). */
export function customDomainUrl(domain: string, cfg: QuireConfig = config()): string {
  const scheme = platformUrl(cfg).split('://')[0];
  const port = /:\d+$/.exec(cfg.rootDomain)?.[0] ?? '';
  return `${scheme}://${domain}${port}`;
}
