/**
 * A line diff for the editor's History panel (it runs in the author's browser): the longest
 * common subsequence of lines, after the common start and end are set aside, so that a small
 * edit of a long post costs next to nothing. The table is (lines × lines), so each side is
 * compared over its first DIFF_MAX_LINES lines only, and the result says so.
 */

export const DIFF_MAX_LINES = 5_000;

export type DiffLine = { kind: 'same' | 'added' | 'removed'; text: string };
export type LineDiff = { lines: DiffLine[]; truncated: boolean };

export function diffLines(before: string, after: string): LineDiff {
  const allA = splitLines(before);
  const allB = splitLines(after);
  const truncated = allA.length > DIFF_MAX_LINES || allB.length > DIFF_MAX_LINES;
  const a = allA.slice(0, DIFF_MAX_LINES);
  const b = allB.slice(0, DIFF_MAX_LINES);

  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }

  const same = (text: string): DiffLine => ({ kind: 'same', text });
  const lines: DiffLine[] = a.slice(0, start).map(same);
  lines.push(...middle(a.slice(start, endA), b.slice(start, endB)));
  lines.push(...a.slice(endA).map(same));
  return { lines, truncated };
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\r\n?/g, '\n').split('\n');
}

/** The LCS table, filled from the end, then walked from the start: removals before additions. */
function middle(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((text) => ({ kind: 'added', text }));
  if (m === 0) return a.map((text) => ({ kind: 'removed', text }));
  const width = m + 1;
  // At most 5,000 × 5,000 cells; lengths fit in 16 bits.
  const table = new Uint16Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * width + j] =
        a[i] === b[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      lines.push({ kind: 'same', text: a[i]! });
      i++;
      j++;
    } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) {
      lines.push({ kind: 'removed', text: a[i++]! });
    } else {
      lines.push({ kind: 'added', text: b[j++]! });
    }
  }
  while (i < n) lines.push({ kind: 'removed', text: a[i++]! });
  while (j < m) lines.push({ kind: 'added', text: b[j++]! });
  return lines;
}

/** What the panel shows: the changed lines with `context` unchanged lines around them; longer unchanged runs are counted. */
export type DiffRow = DiffLine | { kind: 'skipped'; count: number };

export function withContext(lines: DiffLine[], context = 3): DiffRow[] {
  const near = new Uint8Array(lines.length);
  lines.forEach((line, index) => {
    if (line.kind === 'same') return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k++) near[k] = 1;
  });
  const rows: DiffRow[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (near[index]) {
      rows.push(lines[index]!);
      continue;
    }
    const last = rows.at(-1);
    if (last?.kind === 'skipped') last.count++;
    else rows.push({ kind: 'skipped', count: 1 });
  }
  return rows;
}
