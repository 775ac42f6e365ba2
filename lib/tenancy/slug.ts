import { z } from 'zod';
import { BLOG_SLUG_MAX } from '@/lib/input/lengths';

/** A blog's slug is its subdomain and its file name, so it must be a safe DNS label. */
const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Names the platform keeps for itself or that would confuse readers. */
// prettier-ignore
const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'www', 'app', 'api', 'admin', 'static', 'assets', 'mail', 'smtp', 'imap', 'pop', 'ftp',
  'dashboard', 'login', 'signup', 'auth', 'account', 'accounts', 'root', 'system', 'support',
  'help', 'docs', 'status', 'blog', 'cdn', 'media', 'sites', 'localhost', 'quire', 'ns1', 'ns2',
  'mx', 'webmail', 'billing', 'security', 'abuse', 'postmaster', 'hostmaster', 'test',
  // Pages of the dashboard beside /dashboard/<blog>.
  'import',
]);

export type SlugCheck = { ok: true; slug: string } | { ok: false; error: string };

export function checkSlug(input: string): SlugCheck {
  const slug = input.trim().toLowerCase();
  if (slug.length === 0) return { ok: false, error: 'A blog address is required.' };
  if (slug.length > BLOG_SLUG_MAX) return { ok: false, error: `A blog address is at most ${BLOG_SLUG_MAX} characters.` };
  if (!SLUG_PATTERN.test(slug)) {
    return {
      ok: false,
      error: 'A blog address uses only a-z, 0-9 and inner hyphens (no hyphen at either end).',
    };
  }
  // "xn--" and any "??--" label is reserved for internationalised names (RFC 5891).
  if (slug.slice(2, 4) === '--') {
    return { ok: false, error: 'A blog address cannot have "--" as its third and fourth characters.' };
  }
  if (RESERVED_SLUGS.has(slug)) return { ok: false, error: `"${slug}" is reserved.` };
  return { ok: true, slug };
}

/** zod schema for any user input that names a blog. */
export const blogSlugSchema = z.string().transform((value, ctx) => {
  const result = checkSlug(value);
  if (!result.ok) {
    ctx.addIssue({ code: 'custom', message: result.error });
    return z.NEVER;
  }
  return result.slug;
});
