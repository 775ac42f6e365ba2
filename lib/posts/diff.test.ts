import { describe, expect, it } from 'vitest';
import { DIFF_MAX_LINES, diffLines, withContext } from './diff';

const shown = (before: string, after: string) =>
  diffLines(before, after).lines.map((line) => `${{ same: ' ', added: '+', removed: '-' }[line.kind]}${line.text}`);

describe('diffLines', () => {
  it('says nothing changed for the same text', () => {
    expect(shown('a\nb', 'a\nb')).toEqual([' a', ' b']);
    expect(diffLines('', '').lines).toEqual([]);
  });

  it('finds a changed line among unchanged ones', () => {
    expect(shown('one\ntwo\nthree', 'one\n2\nthree')).toEqual([' one', '-two', '+2', ' three']);
  });

  it('finds additions and removals at either end and in an empty text', () => {
    expect(shown('', 'a\nb')).toEqual(['+a', '+b']);
    expect(shown('a\nb', '')).toEqual(['-a', '-b']);
    expect(shown('b\nc', 'a\nb\nc\nd')).toEqual(['+a', ' b', ' c', '+d']);
  });

  it('keeps the longest common run of lines, whatever moved around it', () => {
    const lines = shown('a\nb\nc\nd\ne', 'x\nb\nc\ny\ne\nz');
    expect(lines.filter((line) => line.startsWith(' '))).toEqual([' b', ' c', ' e']);
    expect(lines.filter((line) => !line.startsWith('+')).map((line) => line.slice(1))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(lines.filter((line) => !line.startsWith('-')).map((line) => line.slice(1))).toEqual(['x', 'b', 'c', 'y', 'e', 'z']);
  });

  it('treats Windows line ends as line ends', () => {
    expect(shown('a\r\nb', 'a\nb')).toEqual([' a', ' b']);
  });

  it(`compares only the first ${DIFF_MAX_LINES.toLocaleString('en')} lines of each side, and says so`, () => {
    const long = Array.from({ length: DIFF_MAX_LINES + 10 }, (_, i) => `line ${i}`).join('\n');
    const other = Array.from({ length: DIFF_MAX_LINES + 10 }, (_, i) => `other ${i}`).join('\n');
    const started = performance.now();
    const diff = diffLines(long, other);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(diff.truncated).toBe(true);
    expect(diff.lines.length).toBe(2 * DIFF_MAX_LINES);
    expect(diffLines('a', 'b').truncated).toBe(false);
  });
});

describe('withContext', () => {
  it('keeps changed lines with their neighbours and counts the unchanged lines between', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const after = before.replace('l10', 'ten');
    const rows = withContext(diffLines(before, after).lines, 2);
    expect(rows).toEqual([
      { kind: 'skipped', count: 8 },
      { kind: 'same', text: 'l8' },
      { kind: 'same', text: 'l9' },
      { kind: 'removed', text: 'l10' },
      { kind: 'added', text: 'ten' },
      { kind: 'same', text: 'l11' },
      { kind: 'same', text: 'l12' },
      { kind: 'skipped', count: 7 },
    ]);
  });
});
