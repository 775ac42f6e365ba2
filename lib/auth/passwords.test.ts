import os from 'node:os';
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

  it('runs a bounded number of hashes at once and refuses, busy, past a bounded queue', async () => {
    const hash = await hashPassword('a long passphrase');
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () =>
        verifyPassword(hash, 'wrong').then(
          () => 'checked',
          (e: { status?: number }) => `refused ${e.status}`,
        ),
      ),
    );
    const refused = outcomes.filter((o) => o === 'refused 503').length;
    // One per core runs, 64 wait, the rest are told the server is busy.
    expect(refused).toBe(100 - 64 - os.availableParallelism());
    expect(outcomes.filter((o) => o === 'checked').length).toBe(64 + os.availableParallelism());
    // Nothing is left held: the next check runs.
    expect(await verifyPassword(hash, 'a long passphrase')).toBe(true);
  });
});
