import { describe, expect, it } from 'vitest';
import { checkSlug } from './slug';

describe('checkSlug', () => {
  it('accepts DNS-safe names and normalises case and spaces', () => {
    expect(checkSlug('alice')).toEqual({ ok: true, slug: 'alice' });
    expect(checkSlug('  Alice-2 ')).toEqual({ ok: true, slug: 'alice-2' });
    expect(checkSlug('a')).toEqual({ ok: true, slug: 'a' });
  });

  it.each([
    ['', 'required'],
    ['-alice', 'hyphen'],
    ['alice-', 'hyphen'],
    ['al ice', 'a-z'],
    ['al.ice', 'a-z'],
    ['../etc', 'a-z'],
    ['a'.repeat(64), '63'],
    ['xn--abc', '--'],
    ['ab--c', '--'],
    ['www', 'reserved'],
    ['admin', 'reserved'],
    // /dashboard/import is a page, so no blog's dashboard may live there.
    ['import', 'reserved'],
  ])('rejects %j with a clear reason', (input, reason) => {
    const result = checkSlug(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(reason);
  });
});
