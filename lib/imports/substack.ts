import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { InputError } from '@/lib/input';
import { escapeHtml } from '@/lib/markdown/text';
import { formatSize, topFolder, type Archive } from '@/lib/uploads/archive';
import { httpUrl } from './html-dom';
import { IMPORT_LIMITS, type ImportedItem, type ImportSource } from './source';
import { checkDeadline } from '@/lib/workers/deadline';
import { cleanSubstackHtml } from './substack-html';

/**
 * Substack's export: `posts.csv` (one row per post: `post_id` as `<number>.<slug>`, `post_date`,
 * `is_published`, `type`, `audience`, `title`, `subtitle`, `podcast_url`, …), each post's body
 * in `posts/<post_id>.html`, and beside them the subscriber list and per-post email statistics,
 * which are not imported.
 *
 * Decisions: a post for paid subscribers (`only_paid`, `founding`) becomes a draft, since Quire
 * has no paid subscriptions and making it public is the author's call; a post for free
 * subscribers (`only_free`) stays published, with a warning. Podcasts keep a link to their audio
 * (it stays on Substack's servers); threads keep their opening text.
 */
export async function openSubstack(archive: Archive, deadlineAt: number): Promise<ImportSource> {
  const root = archive.has('posts.csv') ? '' : topFolder(archive);
  const csv = await archive.read(`${root}posts.csv`, POSTS_CSV_MAX);
  if (!csv) throw new InputError('This zip has no posts.csv: it is not an export from Substack.');
  const rows = readPostsCsv(csv.toString('utf8'));
  const warnings = await subscriberWarnings(archive, root);
  checkDeadline(deadlineAt);

  return {
    kind: 'substack',
    site: { tagPaths: [], warnings },
    async *items() {
      for (const row of rows) {
        checkDeadline(deadlineAt);
        yield await readPost(archive, root, row);
      }
    },
    close: async () => archive.close(),
  };
}

/** posts.csv: its rows with their line for refusals. 32 MB holds 20,000 posts even with an old export's body_html column. */
const POSTS_CSV_MAX = 32 * 1024 * 1024;
/** A body is held to IMPORT_LIMITS.bodyChars characters: three UTF-8 bytes at most for each. */
const POST_HTML_MAX = IMPORT_LIMITS.bodyChars * 3;
const SUBSCRIBERS_CSV_MAX = 64 * 1024 * 1024;

const optionalText = z
  .string()
  .optional()
  .transform((value) => value?.trim() ?? '');
const rowSchema = z.object({
  post_id: z
    .string()
    .trim()
    .regex(/^\d{1,20}\.\S{0,300}$/, 'its post_id is not a number, a dot and a slug'),
  post_date: optionalText,
  is_published: optionalText,
  type: optionalText,
  audience: optionalText,
  title: optionalText,
  subtitle: optionalText,
  podcast_url: optionalText,
  body_html: z.string().max(IMPORT_LIMITS.bodyChars, 'its body_html is too long').optional(),
});
type PostRow = z.output<typeof rowSchema> & { line: number };

function readPostsCsv(text: string): PostRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      bom: true,
      info: true,
      skip_empty_lines: true,
      max_record_size: IMPORT_LIMITS.bodyChars + 64 * 1024,
    });
  } catch (error) {
    if (error instanceof CsvError) throw new InputError(`posts.csv is not valid CSV at line ${error.lines}: ${csvProblem(error)}.`);
    throw error;
  }
  if (records.length > IMPORT_LIMITS.items) {
    throw new InputError(`posts.csv lists more than ${IMPORT_LIMITS.items.toLocaleString('en')} posts.`);
  }
  if (records.length > 0 && !('post_id' in records[0]!.record)) {
    throw new InputError('posts.csv has no post_id column: it is not the list of posts Substack exports.');
  }
  return records.map(({ record, info }) => {
    const row = rowSchema.safeParse(record);
    if (!row.success) throw new InputError(`posts.csv line ${info.lines}: ${row.error.issues[0]!.message}.`);
    return { ...row.data, line: info.lines };
  });
}

function csvProblem(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted value is never closed';
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return 'the row does not have as many values as the header';
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'a quoted value is followed by other characters';
    case 'CSV_MAX_RECORD_SIZE':
      return 'the row is too long';
    default:
      return error.message.split(/ (?:at|on) line/)[0]!;
  }
}

async function readPost(archive: Archive, root: string, row: PostRow): Promise<ImportedItem> {
  const warnings: string[] = [];
  const slug = row.post_id.slice(row.post_id.indexOf('.') + 1);
  const published = row.is_published.toLowerCase() === 'true';
  const date = row.post_date ? new Date(row.post_date) : undefined;
  if (date && Number.isNaN(date.getTime())) warnings.push(`Its date (${row.post_date.slice(0, 40)}) is not one Quire can read.`);

  let status: ImportedItem['status'] = published ? 'published' : 'draft';
  const audience = row.audience.toLowerCase();
  if (audience === 'only_paid' || audience === 'founding') {
    if (published) status = 'draft';
    warnings.push(
      `It was for ${audience === 'founding' ? 'founding members' : 'paid subscribers'} only; Quire has no paid subscriptions, so it is a draft: publish it to make it public.`,
    );
  } else if (audience === 'only_free') {
    warnings.push('It was for subscribers only; on Quire it is public.');
  }

  const file = `${root}posts/${row.post_id}.html`;
  const bytes = await archive.read(file, POST_HTML_MAX);
  let html = bytes?.toString('utf8') ?? row.body_html ?? '';
  if (html.length > IMPORT_LIMITS.bodyChars) {
    throw new InputError(`${file} is longer than ${IMPORT_LIMITS.bodyChars.toLocaleString('en')} characters.`);
  }
  if (bytes === undefined && row.body_html === undefined) {
    warnings.push(`Its text is not in the export (no posts/${row.post_id}.html).`);
  }
  const cleaned = cleanSubstackHtml(html, bytes ? file : `posts.csv line ${row.line}`);
  html = cleaned.html;
  warnings.push(...cleaned.warnings);

  const type = row.type.toLowerCase() || 'newsletter';
  if (type === 'podcast') {
    const audio = httpUrl(row.podcast_url);
    if (audio) html = `<p><a href="${escapeHtml(audio)}">Listen to the episode</a></p>${html}`;
    warnings.push(
      audio
        ? "It was a podcast episode: its audio is linked, not copied (it stays on Substack's servers)."
        : 'It was a podcast episode: its audio is not in the export.',
    );
  } else if (type === 'thread') {
    warnings.push("It was a discussion thread: only its opening text is imported (the discussion is not in Substack's export).");
  } else if (type !== 'newsletter') {
    warnings.push(`It was a Substack ${type.slice(0, 40)} post: only its text and images are imported.`);
  }

  let title = row.title;
  if (!title) {
    title = 'Untitled';
    warnings.push('It has no title: it is called “Untitled”.');
  }

  return {
    kind: 'post',
    sourceId: row.post_id,
    title,
    slug,
    status,
    publishedAt: date && !Number.isNaN(date.getTime()) ? date : undefined,
    body: { html },
    excerpt: row.subtitle || undefined,
    tags: [],
    authors: [],
    // Only what was once public had an address to send on.
    oldPaths: published && slug ? [`/p/${slug}`] : [],
    comments: [],
    warnings,
  };
}

/** A sentence for each subscriber list in the export (`email_list.<name>.csv`): they are not imported. */
async function subscriberWarnings(archive: Archive, root: string): Promise<string[]> {
  const warnings: string[] = [];
  for (const { name, size } of archive.files) {
    const base = name.slice(root.length);
    if (!name.startsWith(root) || base.includes('/') || !/\.csv$/i.test(base) || !/email|subscriber/i.test(base)) continue;
    let count: number | undefined;
    if (size <= SUBSCRIBERS_CSV_MAX) {
      const bytes = await archive.read(name, SUBSCRIBERS_CSV_MAX);
      count = bytes ? countCsvRows(bytes.toString('utf8')) : undefined;
    }
    warnings.push(
      count === undefined
        ? `Substack's subscriber list (${base}, ${formatSize(size)}) is not imported.`
        : `Substack's subscriber list is not imported (${count.toLocaleString('en')} ${count === 1 ? 'subscriber' : 'subscribers'}).`,
    );
  }
  return warnings;
}

/** Rows after the header, without keeping them; undefined when the file is not CSV. */
function countCsvRows(text: string): number | undefined {
  let rows = 0;
  try {
    parseCsv(text, {
      bom: true,
      from_line: 2,
      skip_empty_lines: true,
      relax_column_count: true,
      on_record: () => {
        rows++;
        return null;
      },
    });
  } catch {
    return undefined;
  }
  return rows;
}
