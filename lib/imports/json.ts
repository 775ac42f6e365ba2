import { InputError } from '@/lib/input';

/**
 * JSON.parse, with a refusal that says where the file is broken. V8's own message gives a
 * character offset for some mistakes and only a snippet for others ("Unexpected token 'x',
 * …"), so on failure one linear scan finds the first mistake and its line and column.
 * `what` opens the sentence: "This Ghost export".
 */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const problem = findJsonSyntaxError(text);
    if (!problem) throw new InputError(`${what} is not valid JSON (${(error as Error).message}).`);
    const { line, column } = lineAndColumn(text, problem.offset);
    throw new InputError(`${what} is not valid JSON: ${problem.reason} at line ${line}, column ${column}.`);
  }
}

type SyntaxProblem = { offset: number; reason: string };

/** What the scanner expects next. */
const Expect = { Value: 0, ValueOrEnd: 1, Key: 2, KeyOrEnd: 3, AfterValue: 4 } as const;

/** The first syntax error in `text` as RFC 8259 reads it, or undefined when there is none. */
function findJsonSyntaxError(text: string): SyntaxProblem | undefined {
  const n = text.length;
  // Open containers, as an explicit stack: a hostile file nests as deep as it likes.
  const open: number[] = [];
  let i = 0;
  let expect: (typeof Expect)[keyof typeof Expect] = Expect.Value;
  const unexpected = (at: number): SyntaxProblem =>
    at >= n ? { offset: n, reason: 'the file ends too early' } : { offset: at, reason: `unexpected ${describe(text.charCodeAt(at))}` };

  for (;;) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    const c = i < n ? text.charCodeAt(i) : -1;
    if (expect === Expect.AfterValue) {
      if (open.length === 0) return i < n ? unexpected(i) : undefined;
      const top = open[open.length - 1];
      if (c === 0x2c /* , */) {
        i++;
        expect = top === 0x7b ? Expect.Key : Expect.Value;
      } else if ((c === 0x7d && top === 0x7b) || (c === 0x5d && top === 0x5b)) {
        open.pop();
        i++;
      } else return unexpected(i);
      continue;
    }
    if (expect === Expect.KeyOrEnd && c === 0x7d) {
      open.pop();
      i++;
      expect = Expect.AfterValue;
      continue;
    }
    if (expect === Expect.ValueOrEnd && c === 0x5d) {
      open.pop();
      i++;
      expect = Expect.AfterValue;
      continue;
    }
    if (expect === Expect.Key || expect === Expect.KeyOrEnd) {
      if (c !== 0x22) return unexpected(i);
      const end = scanString(text, i);
      if (typeof end !== 'number') return end;
      i = end;
      while (i < n && isSpace(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) !== 0x3a /* : */) return unexpected(i);
      i++;
      expect = Expect.Value;
      continue;
    }
    // A value.
    if (c === 0x7b || c === 0x5b) {
      open.push(c);
      i++;
      expect = c === 0x7b ? Expect.KeyOrEnd : Expect.ValueOrEnd;
      continue;
    }
    let end: number | SyntaxProblem;
    if (c === 0x22) end = scanString(text, i);
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) end = scanNumber(text, i);
    else if (text.startsWith('true', i)) end = i + 4;
    else if (text.startsWith('false', i)) end = i + 5;
    else if (text.startsWith('null', i)) end = i + 4;
    else return unexpected(i);
    if (typeof end !== 'number') return end;
    i = end;
    expect = Expect.AfterValue;
  }
}

/** The offset just past the string starting at `start` (a `"`), or the problem in it. */
function scanString(text: string, start: number): number | SyntaxProblem {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return { offset: i, reason: 'a control character (such as a line break) inside a string' };
    if (c === 0x5c) {
      const escaped = text.charCodeAt(i + 1);
      if (escaped === 0x75 /* u */) {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return { offset: i, reason: 'a broken \\u escape in a string' };
        i += 5;
      } else if ('"\\/bfnrt'.includes(String.fromCharCode(escaped))) i++;
      else return { offset: i, reason: 'a broken escape in a string' };
    }
  }
  return { offset: text.length, reason: 'a string that is never closed' };
}

function scanNumber(text: string, start: number): number | SyntaxProblem {
  let i = start;
  const digits = () => {
    const from = i;
    while (isDigit(text.charCodeAt(i))) i++;
    return i > from;
  };
  if (text.charCodeAt(i) === 0x2d) i++;
  if (text.charCodeAt(i) === 0x30) i++;
  else if (!digits()) return { offset: i, reason: 'a broken number' };
  if (text.charCodeAt(i) === 0x2e && (i++, !digits())) return { offset: i, reason: 'a broken number' };
  if ((text.charCodeAt(i) | 0x20) === 0x65 /* e */) {
    i++;
    if (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d) i++;
    if (!digits()) return { offset: i, reason: 'a broken number' };
  }
  return i;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function describe(c: number): string {
  return c >= 0x20 && c < 0x7f ? `character "${String.fromCharCode(c)}"` : `character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** 1-based line and column (in UTF-16 units, as editors count them for most text) of `offset`. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Whether `text` (JSON) nests arrays and objects deeper than `max`: one linear scan, so that a
 * hostile document is refused before JSON.parse spends time and heap building it.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
