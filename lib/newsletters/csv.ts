import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { InputError } from '@/lib/input';
import { emailSchema } from '@/lib/input/email';

/**
 * Subscriber lists as CSV: reading another platform's export (Substack's subscriber list,
 * Ghost's members export, or a plain column of addresses) and writing the blog's own. Reading
 * runs in a pool thread (lib/tasks, `TASK.readSubscriberCsv`): its cost grows with the file.
 */

export const SUBSCRIBER_CSV_LIMITS = {
  /** The upload, in bytes. */
  bytes: 10 * 1024 * 1024,
  /** Readers in one file (a header line aside). */
  rows: 200_000,
  /** One line: no real export has lines anywhere near this long. */
  recordBytes: 64 * 1024,
  /** Reasons for skipped lines kept for the dashboard. */
  reasons: 5,
} as const;

const NAME_MAX = 200;

export type CsvFormat = 'substack' | 'ghost' | 'list';

/** A reader as the pool thread sends it back (a date as milliseconds: cheap to copy). */
type CsvSubscriber = { email: string; name?: string; createdAt?: number; state: 'active' | 'unsubscribed' };

export type SubscriberCsv = {
  format: CsvFormat;
  rows: CsvSubscriber[];
  /** Lines not imported (bad or repeated addresses, readers who never confirmed). */
  skipped: number;
  /** The first few of those, one sentence each naming the line. */
  reasons: string[];
};

/**
 * Reads a subscriber list. Substack's (`email,active_subscription,expiry,plan,email_disabled,
 * created_at,…`: `email_disabled` true is a reader who stopped the mails), Ghost's (`id,email,
 * name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,
 * labels,tiers`: `subscribed_to_emails` false, or a `deleted_at`, is one who left), Quire's own
 * export (`email,name,state,…`), any CSV with an `email` column, or addresses one per line
 * without a header. Readers who left there are kept as unsubscribed, so they are not mailed
 * here either. A bad line is skipped and counted; a file that is not CSV, or too long, is refused.
 */
export function readSubscriberCsv(text: string): SubscriberCsv {
  if (Buffer.byteLength(text) > SUBSCRIBER_CSV_LIMITS.bytes) throw new InputError('The file is larger than 10 MB.');
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: SUBSCRIBER_CSV_LIMITS.recordBytes,
      // One past the limit, to tell a file that is too long from one that just fits.
      to: SUBSCRIBER_CSV_LIMITS.rows + 2,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof CsvError) throw new InputError(`The file is not valid CSV at line ${error.lines}: ${csvProblem(error)}.`);
    throw error;
  }
  if (records.length === 0) throw new InputError('The file is empty.');

  const header = records[0]!.record.map((cell) => cell.trim().toLowerCase());
  const emailColumn = header.findIndex((name) => EMAIL_HEADERS.has(name));
  const hasHeader = emailColumn !== -1;
  if (!hasHeader && !emailSchema.safeParse(records[0]!.record[0] ?? '').success) {
    throw new InputError('The file has no email column: its first line should name one ("email"), or be an address.');
  }
  const data = hasHeader ? records.slice(1) : records;
  if (data.length > SUBSCRIBER_CSV_LIMITS.rows) {
    throw new InputError(`The file has more than ${SUBSCRIBER_CSV_LIMITS.rows.toLocaleString('en')} rows.`);
  }

  const column = (name: string) => (hasHeader ? header.indexOf(name) : -1);
  const format: CsvFormat = column('subscribed_to_emails') !== -1 ? 'ghost' : column('email_disabled') !== -1 ? 'substack' : 'list';
  const at = {
    email: hasHeader ? emailColumn : 0,
    name: column('name'),
    createdAt: column('created_at'),
    subscribedToEmails: column('subscribed_to_emails'),
    deletedAt: column('deleted_at'),
    emailDisabled: column('email_disabled'),
    state: column('state'),
  };

  const rows: CsvSubscriber[] = [];
  const reasons: string[] = [];
  const seen = new Map<string, number>();
  let skipped = 0;
  const skip = (reason: string) => {
    skipped++;
    if (reasons.length < SUBSCRIBER_CSV_LIMITS.reasons) reasons.push(reason);
  };

  for (const { record, info } of data) {
    const line = info.lines;
    const cell = (index: number) => (index === -1 ? '' : unescapeFormula((record[index] ?? '').trim()));
    const raw = cell(at.email);
    if (raw === '') {
      skip(`Line ${line} has no email address.`);
      continue;
    }
    const email = emailSchema.safeParse(raw);
    if (!email.success) {
      skip(`Line ${line}: "${shorten(raw)}" is not an email address.`);
      continue;
    }
    const earlier = seen.get(email.data);
    if (earlier !== undefined) {
      skip(`Line ${line}: ${shorten(email.data)} is already on line ${earlier}.`);
      continue;
    }
    const ours = cell(at.state).toLowerCase();
    if (ours === 'pending') {
      skip(`Line ${line}: ${shorten(email.data)} never confirmed their subscription.`);
      continue;
    }
    seen.set(email.data, line);
    const left =
      isTrue(cell(at.emailDisabled)) ||
      cell(at.subscribedToEmails).toLowerCase() === 'false' ||
      cell(at.deletedAt) !== '' ||
      ours === 'unsubscribed' ||
      ours === 'bounced';
    const name = cell(at.name)
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .trim()
      .slice(0, NAME_MAX);
    const created = Date.parse(cell(at.createdAt));
    rows.push({
      email: email.data,
      ...(name ? { name } : {}),
      ...(Number.isFinite(created) ? { createdAt: created } : {}),
      state: left ? 'unsubscribed' : 'active',
    });
  }
  return { format, rows, skipped, reasons };
}

/** Header names taken for the address column (Substack and Ghost say `email`; others vary). */
const EMAIL_HEADERS: ReadonlySet<string> = new Set(['email', 'e-mail', 'email address', 'email_address', 'emailaddress', 'mail']);

const isTrue = (value: string) => ['true', 'yes', '1'].includes(value.toLowerCase());

const shorten = (value: string) => (value.length > 60 ? `${value.slice(0, 59)}…` : value);

function csvProblem(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted value is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a quoted value is followed by other characters';
    case 'CSV_MAX_RECORD_SIZE':
      return 'the line is too long';
    default:
      return error.message.split(/ (?:at|on) line/)[0]!;
  }
}

/** What a spreadsheet would run as a formula: `=`, `+`, `-`, `@`, and a tab or return before them. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Our own export's guard against formulas, taken off again when it is imported back. */
function unescapeFormula(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

/**
 * One CSV value: prefixed with `'` when a spreadsheet would run it as a formula (OWASP's advice
 * against CSV injection), quoted when it holds a comma, a quote or a line break.
 */
export function csvCell(value: string | null | undefined): string {
  let text = value ?? '';
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: (string | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
