import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/**
 * Tokens as Lucia's session guide teaches: `<id>.<secret>`, each part 120 bits from the CSPRNG.
 * The id finds the row; the secret is checked against its stored SHA-256 in constant time, so
 * a leaked database holds no usable token. Used for sessions and invitation links alike.
 */
export function generateSecureRandomString(byteLength = 15 /* 120 bits */): string {
  const bytes = new Uint8Array(byteLength);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

export function hashSecret(secret: string): Buffer {
  return Buffer.from(sha256(new TextEncoder().encode(secret)));
}

export type SplitToken = { id: string; secret: string };

export function newToken(): SplitToken & { token: string; secretHash: Buffer } {
  const id = generateSecureRandomString();
  const secret = generateSecureRandomString();
  return { id, secret, token: `${id}.${secret}`, secretHash: hashSecret(secret) };
}

const TOKEN_PART = /^[a-z2-7]{24}$/;

/** Splits a presented token; anything not of our exact shape is refused before any look-up. */
export function splitToken(token: string | undefined | null): SplitToken | null {
  if (!token) return null;
  const [id, secret, ...rest] = token.split('.');
  if (rest.length > 0 || !id || !secret || !TOKEN_PART.test(id) || !TOKEN_PART.test(secret)) return null;
  return { id, secret };
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  return constantTimeEqual(hashSecret(secret), storedHash);
}
