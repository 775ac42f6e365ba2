import type { TenantHandle } from '@/lib/db/pool';
import { readBody } from '@/lib/http/api';
import { runTask } from '@/lib/workers/pool';
import { TASK } from '@/lib/workers/task-names';
import { csvLine, SUBSCRIBER_CSV_LIMITS, type CsvFormat, type SubscriberCsv } from './csv';
import { importSubscribersInChunks, subscribersAfter } from './subscribers';

/** A blog's list in and out as CSV, for its owners (app/api/blogs/[blog]/subscribers). */

export type ImportReport = {
  format: CsvFormat;
  /** New readers. */
  added: number;
  /** Addresses already on the list, which keep their state here. */
  kept: number;
  /** Lines not imported, and the first few reasons. */
  skipped: number;
  reasons: string[];
};

/**
 * Imports the CSV in the request's body: read in a pool thread (its cost grows with the file),
 * then added in small transactions (lib/newsletters/subscribers.ts).
 */
export async function importSubscriberUpload(handle: TenantHandle, request: Request): Promise<ImportReport> {
  const bytes = await readBody(request, SUBSCRIBER_CSV_LIMITS.bytes, 'The file is larger than 10 MB.');
  const csv = await runTask<SubscriberCsv>(
    TASK.readSubscriberCsv,
    { text: bytes.toString('utf8') },
    { lane: 'bulk', deadlineMs: 60_000, tooLong: 'This file took too long to read. Please split it into smaller files.' },
  );
  const rows = csv.rows.map((row) => ({ ...row, createdAt: row.createdAt === undefined ? undefined : new Date(row.createdAt) }));
  const { added, kept } = await importSubscribersInChunks(handle, rows);
  return { format: csv.format, added, kept, skipped: csv.skipped, reasons: csv.reasons };
}

const EXPORT_COLUMNS = ['email', 'name', 'state', 'created_at', 'confirmed_at'] as const;

/**
 * The list as CSV, in the order readers joined, read a thousand rows at a time as the download
 * goes (no long query holds the blog's connection, and a large list never sits in memory whole).
 */
export function subscriberCsvStream(handle: TenantHandle, chunk = 1_000): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let text = '';
      if (!started) {
        started = true;
        text += csvLine([...EXPORT_COLUMNS]);
      }
      const rows = subscribersAfter(handle, after, chunk);
      for (const row of rows) {
        text += csvLine([row.email, row.name, row.state, row.createdAt.toISOString(), row.confirmedAt?.toISOString()]);
      }
      if (text) controller.enqueue(encoder.encode(text));
      if (rows.length < chunk) controller.close();
      else after = rows[rows.length - 1]!.id;
    },
  });
}
