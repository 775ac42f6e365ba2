import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Sqlite } from '@/lib/db/connection';
import { controlDb, type ControlDb } from '@/lib/db/control';
import { tenantDbPath } from '@/lib/db/paths';
import { isOutOfDiskSpace } from '@/lib/http/errors';
import { openTenant } from '@/lib/db/pool';
import { processWide } from '@/lib/process/shared';
import { raiseGeneration, registeredBlog, settleGeneration } from '@/lib/registry/registry';

/**
 * A blog's page-cache generation: part of every cache key, so moving it retires every cached
 * page of that blog at once, in memory and on disk. It is a column of the control plane (`blogs.generation`),
 * so it survives restarts (the disk cache stays valid) and every process sees the others' bumps:
 * - every write readers could see calls `bumpGeneration`, in the server or in the CLI;
 * - a post coming due (scheduled, or published with a future date): the earliest future publish
 *   time is remembered, and the first request after it bumps. No timer.
 * The blog file's inode is part of the key too (compared with the file's at most every
 * INODE_CHECK_MS), so a file put in place by hand is never answered from pages rendered from another.
 */
const INODE_CHECK_MS = 1000;

type FileState = {
  /** The generation (and the mark of a bump still owed) the rest was read at. */
  generation: number;
  mark: string | undefined;
  inode: number;
  /** When the file's inode was last compared with `inode` (ms). */
  checkedAt: number;
  /** When the next scheduled post comes due; null: none. */
  dueAt: number | null;
};

const fileStates = () => processWide('page-file-states', () => new Map<string, FileState>());

export function bumpGeneration(slug: string): void {
  const db = controlDb();
  if (!db.sqlite) {
    // PostgreSQL: written in the background, and counted here at once (lib/registry
    // `raiseGeneration`): this node's readers get the change after one cache miss.
    raiseGeneration(slug);
    track(writeBumpAsync(db, slug));
    return;
  }
  if (writeBump(db.sqlite, slug)) {
    owedBumps().delete(slug);
    return;
  }
  // The write readers could see is committed: saying it failed would be false. Until the bump
  // can be written, this blog's cache keys carry a mark no earlier page has (`pageGeneration`).
  owe(slug);
  console.error(`[quire] out of disk space: the page cache of "${slug}" could not be renewed in control.db; retrying`);
}

/** Bumps not written yet, by blog: retried at most once a second by `pageGeneration`. */
const owedBumps = () => processWide('owed-generation-bumps', () => new Map<string, { mark: string; triedAt: number }>());
const OWED_RETRY_MS = 1000;

function owe(slug: string): string {
  const mark = randomBytes(6).toString('hex');
  owedBumps().set(slug, { mark, triedAt: Date.now() });
  return mark;
}

/** False when the disk had no room for it (docs/architecture.md, "A full disk"). */
function writeBump(sqlite: Sqlite, slug: string): boolean {
  try {
    sqlite.prepare('update blogs set generation = generation + 1 where slug = ?').run(slug);
    return true;
  } catch (error) {
    if (isOutOfDiskSpace(error)) return false;
    throw error;
  }
}

const inFlight = () => processWide('generation-bumps-in-flight', () => new Set<Promise<void>>());

function track(write: Promise<void>): void {
  inFlight().add(write);
  void write.finally(() => inFlight().delete(write));
}

/** Resolves once every bump started so far is written (or failed): before shutting down. */
export async function bumpsWritten(): Promise<void> {
  await Promise.allSettled([...inFlight()]);
}

/**
 * PostgreSQL: writes a bump. If it cannot be written, the blog's keys carry a mark until it is
 * (the generation counted in advance might be the one another node's next bump writes), retried
 * every OWED_RETRY_MS; the mark goes once written, unless a newer failure put another.
 */
async function writeBumpAsync(db: ControlDb, slug: string, mark?: string): Promise<void> {
  try {
    const row = (await db.orm.get(sql`update blogs set generation = generation + 1 where slug = ${slug} returning generation`)) as
      [number] | undefined;
    if (row) settleGeneration(slug, Number(row[0]));
    if (mark && owedBumps().get(slug)?.mark === mark) owedBumps().delete(slug);
  } catch (error) {
    console.error(
      `[quire] the page cache of "${slug}" could not be renewed in the control database (${(error as Error).message}); retrying`,
    );
    const owedMark = mark ?? owe(slug);
    // Retried without waiting for a reader (pageGeneration retries too, at most once a second).
    setTimeout(() => {
      const owed = owedBumps().get(slug);
      if (owed?.mark === owedMark && Date.now() - owed.triedAt >= OWED_RETRY_MS) {
        owed.triedAt = Date.now();
        track(writeBumpAsync(db, slug, owedMark));
      }
    }, OWED_RETRY_MS).unref();
  }
}

/**
 * A blog's generation as this process knows it, with the mark of a bump not yet written: moves
 * whenever `bumpGeneration` is called here or another process's bump arrives. For memos of what
 * readers can see (lib/pageviews/public-posts.ts); undefined for a blog that does not exist.
 */
export function knownGeneration(slug: string): string | undefined {
  const blog = registeredBlog(slug);
  if (!blog) return undefined;
  const mark = owedBumps().get(slug)?.mark;
  return mark ? `${blog.generation}.${mark}` : String(blog.generation);
}

/**
 * The generation part of a cache key for a blog's pages, or undefined for a blog that does not
 * exist. Reads memory only, except once per generation (the file's inode and next due time);
 * opening the file may throw what `openTenant` throws.
 */
export function pageGeneration(slug: string, now = Date.now()): string | undefined {
  const owed = owedBumps().get(slug);
  if (owed && now - owed.triedAt >= OWED_RETRY_MS) {
    owed.triedAt = now;
    const db = controlDb();
    if (!db.sqlite) track(writeBumpAsync(db, slug, owed.mark));
    else if (writeBump(db.sqlite, slug)) owedBumps().delete(slug);
  }
  const blog = registeredBlog(slug);
  if (!blog) return undefined;
  // A bump still owed: pages cached before the change it stands for must not be answered.
  const current = (state: FileState | undefined) => state?.generation === blog.generation && state.mark === owedBumps().get(slug)?.mark;
  let state = fileStates().get(slug);
  if (state && current(state) && state.dueAt !== null && now >= state.dueAt) {
    bumpGeneration(slug);
    state = undefined;
  }
  if (state && now - state.checkedAt >= INODE_CHECK_MS) {
    state.checkedAt = now;
    if (fs.statSync(tenantDbPath(slug), { throwIfNoEntry: false })?.ino !== state.inode) state = undefined;
  }
  if (!state || !current(state)) {
    state = readFileState(slug, blog.generation, now);
    fileStates().set(slug, state);
  }
  return `${state.generation}.${state.inode}${state.mark ? `.${state.mark}` : ''}`;
}

function readFileState(slug: string, generation: number, now: number): FileState {
  const handle = openTenant(slug);
  const dueAt = handle
    .statement('posts.nextDue', () =>
      handle.sqlite.prepare("select min(published_at) from posts where status <> 'draft' and published_at > ?").pluck(),
    )
    .get(now) as number | null;
  // After a bump the registry holds the new generation (it reads it back), so a failed bump
  // would loop here: the state is read at whatever generation the registry has now.
  return {
    generation: registeredBlog(slug)?.generation ?? generation,
    mark: owedBumps().get(slug)?.mark,
    inode: handle.inode,
    checkedAt: now,
    dueAt,
  };
}
