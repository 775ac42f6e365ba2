import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { controlDb } from '@/lib/db/control';
import { tenantDbPath } from '@/lib/db/paths';
import { isOutOfDiskSpace } from '@/lib/http/errors';
import { openTenant } from '@/lib/db/pool';
import { processWide } from '@/lib/process/shared';
import { registeredBlog } from '@/lib/registry/registry';

/**
 * A blog's page-cache generation: part of every cache key, so moving it retires every cached
 * page of that blog at once, in memory and on disk. It is a column of control.db (`blogs.generation`),
 * so it survives restarts (the disk cache stays valid) and every process sees the others' bumps:
 * - every write readers could see calls `bumpGeneration`, in the server or in the CLI;
 * - a post coming due (scheduled, or published with a future date): the earliest future publish
 *   time is remembered, and the first request after it bumps. No timer.
 * The blog file's inode is part of the key too (compared with the file's at most every
 * INODE_CHECK_MS), so a file put in place by hand is never answered from pages rendered from another.
 */
const INODE_CHECK_MS = 1000;

type FileState = {
  /** The generation the rest was read at. */
  generation: number;
  inode: number;
  /** When the file's inode was last compared with `inode` (ms). */
  checkedAt: number;
  /** When the next scheduled post comes due; null: none. */
  dueAt: number | null;
};

const fileStates = () => processWide('page-file-states', () => new Map<string, FileState>());

export function bumpGeneration(slug: string): void {
  if (writeBump(slug)) {
    owedBumps().delete(slug);
    return;
  }
  // The write readers could see is committed: saying it failed would be false. Until the bump
  // can be written, this blog's cache keys carry a mark no earlier page has (`pageGeneration`).
  owedBumps().set(slug, { mark: randomBytes(6).toString('hex'), triedAt: Date.now() });
  console.error(`[quire] out of disk space: the page cache of "${slug}" could not be renewed in control.db; retrying`);
}

/** Bumps the disk had no room for, by blog: retried at most once a second by `pageGeneration`. */
const owedBumps = () => processWide('owed-generation-bumps', () => new Map<string, { mark: string; triedAt: number }>());
const OWED_RETRY_MS = 1000;

/** False when the disk had no room for it (docs/architecture.md, "A full disk"). */
function writeBump(slug: string): boolean {
  const db = controlDb();
  try {
    db.statement('blogs.bumpGeneration', () => db.sqlite.prepare('update blogs set generation = generation + 1 where slug = ?')).run(slug);
    return true;
  } catch (error) {
    if (isOutOfDiskSpace(error)) return false;
    throw error;
  }
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
    if (writeBump(slug)) owedBumps().delete(slug);
  }
  const blog = registeredBlog(slug);
  if (!blog) return undefined;
  let state = fileStates().get(slug);
  if (state?.generation === blog.generation && state.dueAt !== null && now >= state.dueAt) {
    bumpGeneration(slug);
    state = undefined;
  }
  if (state && now - state.checkedAt >= INODE_CHECK_MS) {
    state.checkedAt = now;
    if (fs.statSync(tenantDbPath(slug), { throwIfNoEntry: false })?.ino !== state.inode) state = undefined;
  }
  if (state?.generation !== blog.generation) {
    state = readFileState(slug, blog.generation, now);
    fileStates().set(slug, state);
  }
  // A bump still owed: pages cached before the change it stands for must not be answered.
  const mark = owedBumps().get(slug)?.mark;
  return `${state.generation}.${state.inode}${mark ? `.${mark}` : ''}`;
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
  return { generation: registeredBlog(slug)?.generation ?? generation, inode: handle.inode, checkedAt: now, dueAt };
}
