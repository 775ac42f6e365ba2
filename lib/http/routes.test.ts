import { describe, expect, it } from 'vitest';
import { safeNextPath } from './routes';

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
  ])('%j → %j', (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });
});
