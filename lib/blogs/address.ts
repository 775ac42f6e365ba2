import { blogUrl } from '@/lib/config';
import { customDomainUrl, primaryDomainOf } from '@/lib/domains/domains';

/**
 * Where a blog lives: its primary custom domain once verified, else its subdomain. Every
 * absolute URL of a blog (canonical links, feeds, the sitemap, robots.txt, OpenGraph, JSON-LD)
 * is built from `blogBaseUrl`. (Changing the primary domain bumps the blog's page-cache
 * generation, so no cached page keeps the old address.)
 */
export function blogBaseUrl(slug: string): string {
  const domain = primaryDomainOf(slug);
  return domain ? customDomainUrl(domain) : blogUrl(slug);
}

/** A path of the blog (from `blogPaths`, starting with `/`) as an absolute URL. */
export function absoluteBlogUrl(slug: string, path: string): string {
  return blogBaseUrl(slug) + path;
}

/** The paths of a blog's public pages, as links on its own host. */
export const blogPaths = {
  home: '/',
  post: (postSlug: string) => `/posts/${encodeURIComponent(postSlug)}`,
  page: (pageSlug: string) => `/${encodeURIComponent(pageSlug)}`,
  tag: (tagSlug: string) => `/tag/${encodeURIComponent(tagSlug)}`,
  sitemap: '/sitemap.xml',
  /** A later page of a list (home or tag), starting after `cursor`. */
  after: (listPath: string, cursor: string) => `${listPath}?after=${encodeURIComponent(cursor)}`,
  /** A preview link (lib/posts/preview.ts): private, never cached by the front. */
  preview: (token: string) => `${PREVIEW_PATH_PREFIX}${encodeURIComponent(token)}`,
  /** The subscribe form's target (POST), on every blog (lib/newsletters). */
  subscribe: '/subscribe',
  /** A reader's link to confirm a subscription: a page with a button (GET), the confirmation (POST). */
  confirmSubscription: (token: string) => `/subscribe/confirm?token=${encodeURIComponent(token)}`,
  /** A reader's unsubscribe link: a page with a button (GET); POST unsubscribes (RFC 8058 one-click too). */
  unsubscribe: (token: string) => `/unsubscribe?token=${encodeURIComponent(token)}`,
};

export const PREVIEW_PATH_PREFIX = '/preview/';

/** A blog's paths whose answers are one reader's (a newsletter's links and form): never cached. */
export const READER_PRIVATE_PATHS: ReadonlySet<string> = new Set(['/subscribe', '/subscribe/confirm', '/unsubscribe']);
