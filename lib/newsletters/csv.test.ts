import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, readSubscriberCsv, SUBSCRIBER_CSV_LIMITS } from './csv';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');

describe('readSubscriberCsv', () => {
  it("reads Substack's subscriber export: email_disabled readers stay unsubscribed, bad and repeated lines are skipped with their line", () => {
    const csv = readSubscriberCsv(fixture('substack-subscribers.csv'));
    expect(csv.format).toBe('substack');
    expect(csv.rows).toEqual([
      { email: 'pia.paid@example.com', createdAt: Date.parse('2024-02-01T10:00:00.000Z'), state: 'active' },
      { email: 'quentin.free@example.com', createdAt: Date.parse('2024-03-15T08:30:00.000Z'), state: 'active' },
      { email: 'rut.stopped@example.com', createdAt: Date.parse('2024-04-02T12:00:00.000Z'), state: 'unsubscribed' },
    ]);
    expect(csv.skipped).toBe(3);
    expect(csv.reasons).toEqual([
      'Line 5: "not-an-address" is not an email address.',
      'Line 6 has no email address.',
      'Line 7: quentin.free@example.com is already on line 3.',
    ]);
  });

  it("reads Ghost's members export: names, quoted commas, unsubscribed and deleted members, formulas refused as addresses", () => {
    const csv = readSubscriberCsv(fixture('ghost-members.csv'));
    expect(csv.format).toBe('ghost');
    expect(csv.rows.map((row) => [row.email, row.name, row.state])).toEqual([
      ['grace@example.org', 'Grace Hopper', 'active'],
      ['katherine@example.org', 'Katherine Johnson', 'active'],
      ['quiet@example.org', 'Quiet Reader', 'unsubscribed'],
      ['gone@example.org', 'Left Ghost', 'unsubscribed'],
      ['ada@example.org', "=cmd|' /C calc'!A0", 'active'],
    ]);
    expect(csv.skipped).toBe(1);
    expect(csv.reasons[0]).toMatch(/^Line 6: "=HYPERLINK\("http:\/\/evil\.test"\)" is not an email address\.$/);
  });

  it('reads a plain list of addresses, with or without a header, CRLF and a BOM', () => {
    expect(readSubscriberCsv('\uFEFFa@example.org\r\nB@Example.org\r\n\r\n').rows).toEqual([
      { email: 'a@example.org', state: 'active' },
      { email: 'b@example.org', state: 'active' },
    ]);
    const withHeader = readSubscriberCsv('Email Address\nc@example.org\n');
    expect(withHeader).toMatchObject({ format: 'list', rows: [{ email: 'c@example.org', state: 'active' }], skipped: 0 });
  });

  it("reads Quire's own export back: pending readers are skipped, the formula guard is taken off", () => {
    const ours = [
      'email,name,state,created_at,confirmed_at',
      "a@example.org,'=SUM(1),active,2024-01-01T00:00:00.000Z,2024-01-01T00:00:00.000Z",
      'b@example.org,,pending,2024-01-02T00:00:00.000Z,',
      'c@example.org,,unsubscribed,2024-01-03T00:00:00.000Z,',
    ].join('\r\n');
    const csv = readSubscriberCsv(ours);
    expect(csv.rows.map((row) => [row.email, row.name, row.state])).toEqual([
      ['a@example.org', '=SUM(1)', 'active'],
      ['c@example.org', undefined, 'unsubscribed'],
    ]);
    expect(csv.reasons).toEqual(['Line 3: b@example.org never confirmed their subscription.']);
  });

  it('keeps only the first few reasons, while counting every skipped line', () => {
    const csv = readSubscriberCsv(['email', ...Array.from({ length: 12 }, (_, i) => `bad${i}`)].join('\n'));
    expect(csv.skipped).toBe(12);
    expect(csv.reasons).toHaveLength(SUBSCRIBER_CSV_LIMITS.reasons);
  });

  it('refuses, in one sentence, a file that is not a list of readers', () => {
    expect(() => readSubscriberCsv('')).toThrow('The file is empty.');
    expect(() => readSubscriberCsv('name,city\nAda,London\n')).toThrow(
      'The file has no email column: its first line should name one ("email"), or be an address.',
    );
    expect(() => readSubscriberCsv('email,name\na@example.org,"Ada\n')).toThrow(
      /^The file is not valid CSV at line \d+: a quoted value is never closed\.$/,
    );
    expect(() => readSubscriberCsv(`email\n${'x'.repeat(70 * 1024)}\n`)).toThrow(
      /^The file is not valid CSV at line \d+: the line is too long\.$/,
    );
    expect(() => readSubscriberCsv('a'.repeat(SUBSCRIBER_CSV_LIMITS.bytes + 1))).toThrow('The file is larger than 10 MB.');
  });

  it('refuses more rows than the limit, and takes exactly the limit', () => {
    const lines = (n: number) => ['email', ...Array.from({ length: n }, (_, i) => `r${i}@example.org`)].join('\n');
    expect(readSubscriberCsv(lines(SUBSCRIBER_CSV_LIMITS.rows)).rows).toHaveLength(SUBSCRIBER_CSV_LIMITS.rows);
    expect(() => readSubscriberCsv(lines(SUBSCRIBER_CSV_LIMITS.rows + 1))).toThrow('The file has more than 200,000 rows.');
  });
});

describe('csvCell', () => {
  it('prefixes what a spreadsheet would run as a formula, and quotes what CSV needs quoted', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', 'plain', '', null].map(csvCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@SUM(A1)",
      "'\t=1",
      'plain',
      '',
      '',
    ]);
    expect(csvCell('a "quoted", name')).toBe('"a ""quoted"", name"');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvLine(['a', '=b', null])).toBe("a,'=b,\r\n");
  });
});
