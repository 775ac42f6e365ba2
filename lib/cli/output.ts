/** Prints rows as aligned columns (human output). */
export function printTable(rows: Record<string, string | number | null>[], empty = 'Nothing to show.'): void {
  if (rows.length === 0) return console.log(empty);
  const headers = Object.keys(rows[0]!);
  const text = rows.map((row) => headers.map((h) => String(row[h] ?? '—')));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(headers.map((h) => h.toUpperCase())));
  for (const row of text) console.log(line(row));
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Reads all of standard input (for passwords and Markdown piped in). */
export function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => (data += chunk));
    process.stdin.on('end', () => resolve(data));
    process.stdin.on('error', reject);
  });
}
