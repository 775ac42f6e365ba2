import { describe, expect, it } from 'vitest';
import { decideNotice, digestDue, excerpt } from './notices';

const QUIET = 15 * 60_000;
const t = Date.UTC(2026, 0, 1);
const at = (ms: number) => new Date(t + ms);

describe('when a comment is mailed at once, counted, or sent in a digest', () => {
  it('mails the first comment a person hears of for a blog', () => {
    expect(decideNotice(undefined, t, QUIET)).toBe('send');
    expect(decideNotice({ lastSentAt: null, pending: 0 }, t, QUIET)).toBe('send');
  });

  it('counts comments within the quiet interval of the last mail', () => {
    expect(decideNotice({ lastSentAt: at(0), pending: 0 }, t + 1, QUIET)).toBe('count');
    expect(decideNotice({ lastSentAt: at(0), pending: 0 }, t + QUIET - 1, QUIET)).toBe('count');
  });

  it('mails again once the interval is over and nothing waits', () => {
    expect(decideNotice({ lastSentAt: at(0), pending: 0 }, t + QUIET, QUIET)).toBe('send');
  });

  it('counts while a digest is waiting, even past the interval (the digest will carry it)', () => {
    expect(decideNotice({ lastSentAt: at(0), pending: 2 }, t + QUIET * 3, QUIET)).toBe('count');
  });

  it('makes a digest due only with counted comments and the interval over', () => {
    expect(digestDue({ lastSentAt: at(0), pending: 0 }, t + QUIET * 2, QUIET)).toBe(false);
    expect(digestDue({ lastSentAt: at(0), pending: 3 }, t + QUIET - 1, QUIET)).toBe(false);
    expect(digestDue({ lastSentAt: at(0), pending: 3 }, t + QUIET, QUIET)).toBe(true);
    expect(digestDue({ lastSentAt: null, pending: 1 }, t, QUIET)).toBe(true);
  });
});

describe('what a mail quotes of a comment', () => {
  it('keeps short text and its line breaks, without control characters', () => {
    expect(excerpt('Hello\nthere\u0000\u001b[31m', 500)).toBe('Hello\nthere  [31m');
  });

  it('cuts long text to the limit with an ellipsis', () => {
    const cut = excerpt('a'.repeat(600), 500);
    expect(cut).toHaveLength(500);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('never cuts an emoji in half', () => {
    const cut = excerpt(`${'a'.repeat(198)}😀😀😀`, 200);
    expect(cut).toBe(`${'a'.repeat(198)}…`);
    expect(encodeURIComponent(cut)).toBeTruthy(); // throws on a lone surrogate
  });

  it('puts a digest line on one line', () => {
    expect(excerpt('one\n\ntwo\tthree', 200, true)).toBe('one two three');
  });
});
