import { describe, expect, it } from 'vitest';
import { generateSecureRandomString, hashSecret, newToken, secretMatches, splitToken } from './tokens';

describe('tokens', () => {
  it('generates 24 base32 characters (120 bits), never twice the same', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const value = generateSecureRandomString();
      expect(value).toMatch(/^[a-z2-7]{24}$/);
      seen.add(value);
    }
    expect(seen.size).toBe(1000);
  });

  it('issues <id>.<secret> and stores only the SHA-256 of the secret', () => {
    const token = newToken();
    expect(token.token).toBe(`${token.id}.${token.secret}`);
    expect(token.secretHash).toHaveLength(32);
    expect(token.secretHash.equals(hashSecret(token.secret))).toBe(true);
    expect(token.secretHash.toString('utf8')).not.toContain(token.secret);
  });

  it('matches the right secret only', () => {
    const token = newToken();
    expect(secretMatches(token.secret, token.secretHash)).toBe(true);
    expect(secretMatches(generateSecureRandomString(), token.secretHash)).toBe(false);
  });

  it.each([
    undefined,
    null,
    '',
    'abc',
    'a.b',
    `${'a'.repeat(24)}`,
    `${'a'.repeat(24)}.${'b'.repeat(23)}`,
    `${'a'.repeat(24)}.${'b'.repeat(24)}.c`,
    `${'A'.repeat(24)}.${'b'.repeat(24)}`,
    `${'1'.repeat(24)}.${'b'.repeat(24)}`,
  ])('refuses the malformed token %j before any look-up', (value) => {
    expect(splitToken(value)).toBeNull();
  });

  it('splits a well-formed token', () => {
    const token = newToken();
    expect(splitToken(token.token)).toEqual({ id: token.id, secret: token.secret });
  });
});
