import { describe, expect, it } from 'vitest';
import { isTokenPage, safeNextPath } from './routes';

describe('safeNextPath', () => {
  it.each([
    ['/dashboard/alice', '/dashboard/alice'],
    ['/dashboard?x=1', '/dashboard?x=1'],
    ['//evil.com', '/dashboard'],
    ['/\\evil.com', '/dashboard'],
    ['/\t/evil.com', '/dashboard'],
    ['/\n/evil.com', '/dashboard'],
    ['https://evil.com', '/dashboard'],
    ['javascript:alert(1)', '/dashboard'],
    ['', '/dashboard'],
    // Dot segments that leave a protocol-relative path behind.
    ['/.//evil.test', '/dashboard'],
    ['/./\\evil.test', '/dashboard'],
    ['/a/..//evil.test', '/dashboard'],
    ['/%2e//evil.test', '/dashboard'],
    ['/%2E%2E//evil.test', '/dashboard'],
    ['///evil.test', '/dashboard'],
    ['/\\/evil.test', '/dashboard'],
    ['\\\\evil.test', '/dashboard'],
    ['/\r\n/evil.test', '/dashboard'],
    ['/ /evil.test', '/%20/evil.test'],
    ['/%2f%2fevil.test', '/%2f%2fevil.test'],
    ['/%5c%5cevil.test', '/%5c%5cevil.test'],
    ['http:/evil.test', '/dashboard'],
    ['https:evil.test', '/dashboard'],
    ['JaVaScRiPt:alert(1)', '/dashboard'],
    ['/\u0000//evil.test', '/dashboard'],
    ['//localhost:3000@evil.test', '/dashboard'],
    ['/dashboard#frag', '/dashboard'],
    ['/dashboard/a?next=//evil.test', '/dashboard/a?next=//evil.test'],
  ])('%j → %j', (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });
});

describe('isTokenPage', () => {
  it('knows the pages reached by a secret link, and only those', () => {
    for (const path of ['/login/reset', '/account/verify', '/account/email', '/invite/abc.def']) expect(isTokenPage(path)).toBe(true);
    for (const path of ['/login', '/login/forgot', '/dashboard/account', '/account', '/api/auth/reset'])
      expect(isTokenPage(path)).toBe(false);
  });
});
