import { config } from '@/lib/config';

/**
 * The session cookie: host-only on the root domain (no Domain attribute), so blog hosts never
 * receive it; `__Host-` prefixed and Secure when the platform is served over HTTPS (QUIRE_HTTPS).
 */
export function sessionCookieName(): string {
  return isHttps() ? '__Host-quire_session' : 'quire_session';
}

export function sessionCookieOptions(expiresAt: Date) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: isHttps(), path: '/', expires: expiresAt };
}

function isHttps(): boolean {
  return config().https;
}
