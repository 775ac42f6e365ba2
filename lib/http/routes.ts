import { z } from 'zod';
import { platformUrl } from '@/lib/config';
import { forbidden, notFoundError } from './errors';

/** A numeric id from the URL; anything else is simply not found. */
export function idParam(value: string): number {
  const parsed = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).safeParse(value);
  if (!parsed.success) throw notFoundError();
  return parsed.data;
}

/**
 * Where to go after logging in: only a path that stays on this site after the browser's own URL
 * resolution. `/.//evil.test` resolves to the path `//evil.test`, which a browser reads as another
 * host; browsers also drop tabs and newlines and read `\` as `/`, so those are refused outright.
 */
export function safeNextPath(value: unknown, fallback = '/dashboard'): string {
  if (typeof value !== 'string' || value.length > 500 || !value.startsWith('/')) return fallback;
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return fallback;
  try {
    const base = new URL(platformUrl());
    const url = new URL(value, base);
    const path = url.pathname + url.search;
    if (url.origin !== base.origin || path.startsWith('//')) return fallback;
    // The answer must itself be a plain path that a browser resolves to the same place.
    const again = new URL(path, base);
    return again.origin === base.origin && again.pathname + again.search === path ? path : fallback;
  } catch {
    return fallback;
  }
}

/**
 * Downloads are GETs, so the origin check of writes does not cover them; an <img> on a blog
 * (same site, other origin) must not be able to start a heavy export in an owner's browser.
 * A click in the dashboard (same-origin) or a typed address (none) may.
 */
export function assertDownloadRequest(request: Request): void {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') throw forbidden('Start downloads from the dashboard.');
}

/** Platform pages that carry a secret token in their address (mailed links, invitations). */
export const TOKEN_PAGES = {
  resetPassword: '/login/reset',
  verifyEmail: '/account/verify',
  changeEmail: '/account/email',
} as const;

/**
 * Whether a platform path shows a page reached by a secret link: the front keeps it out of
 * caches and sends `no-referrer`, so the token never leaves in a Referer header.
 */
export function isTokenPage(pathname: string): boolean {
  return Object.values(TOKEN_PAGES).includes(pathname as never) || pathname.startsWith('/invite/');
}
