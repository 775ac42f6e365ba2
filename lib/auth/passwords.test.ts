import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';

describe('passwords', () => {
  it('hashes with argon2id and verifies only the right password', async () => {
    const hash = await hashPassword('a long passphrase');
    expect(hash.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(hash, 'a long passphrase')).toBe(true);
    expect(await verifyPassword(hash, 'a long passphrasE')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  it.each([
    ['short', 'sam@example.com', /at least 10/],
    ['x'.repeat(257), 'sam@example.com', /at most 256/],
    ['my-name-is-samantha!', 'samantha@example.com', /email/],
    ['SAMANTHA-rocks-2026', 'samantha@example.com', /email/],
  ])('refuses %j for %s', (password, email, reason) => {
    expect(passwordProblem(password, email)).toMatch(reason);
  });

  it('accepts a long password without the email', () => {
    expect(passwordProblem('correct horse battery', 'sam@example.com')).toBeNull();
  });
});
