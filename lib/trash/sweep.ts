import fs from 'node:fs';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { eq } from 'drizzle-orm';
import { config } from '@/lib/config';
import { controlDb } from '@/lib/db/control';
import { migrationSet } from '@/lib/db/migrate';
import { tenantDbPath, trashSweepStatePath } from '@/lib/db/paths';
import { placedHere } from '@/lib/cluster/fence';
import { openTenant, type TenantHandle } from '@/lib/db/pool';
import { blogs } from '@/lib/db/schema/control';
import { processWide } from '@/lib/process/shared';
import { oldestInTrash, purgeExpiredTrash } from './trash';

/**
 * Deletes for good, on every blog, the posts and pages that waited `QUIRE_TRASH_DAYS` in the
 * trash — without opening every blog file on every run (a server may hold 10,000 blogs).
 *
 * Why file metadata: anything that puts something in a blog's trash writes its file (a deletion
 * in the dashboard, an import, a snapshot restored, another process), and every write changes
 * the inode, size or ctime of the file or its WAL (a file moved into place too: a rename changes
 * the ctime). So a blog whose files look as they did when we last looked still has the trash we
 * saw: we remember, per blog, those files' metadata and the oldest thing its trash held. A run
 * then costs a stat of each blog's two files; only blogs that changed (the ones being written
 * or read: the pageview flush writes them) or whose oldest item has come due are opened.
 * Tracking deletions where they happen instead would miss the writes that do not pass through
 * them (imports, restores, other processes), and a column in control.db would have to be kept
 * true by each of those.
 *
 * The memory is a small JSON file in the data directory (`trash-sweep.json`), so a restart does
 * not look at every blog again; without it (the first run, or a damaged file) every blog is
 * looked at once, one at a time.
 */

type BlogMemory = {
  /** The files' metadata when we looked, or null: look again next time. */
  seen: string | null;
  /** When the oldest item in its trash was put there (ms), or null: the trash was empty. */
  oldest: number | null;
};
type Memory = Record<string, BlogMemory>;

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * File times come from the kernel's coarse clock and some filesystems keep whole seconds: a write
 * in the same tick as our look might leave the metadata as we saw it. Files changed this recently
 * are not trusted to be what we read; the blog is looked at again next time (at most once more).
 */
const CLOCK_SLACK_MS = 2000;
/** Blogs whose files are only stat'ed, between two yields to requests. */
const STATS_PER_YIELD = 100;
const memoryFile = trashSweepStatePath;

function loadMemory(): Memory {
  try {
    const parsed = JSON.parse(fs.readFileSync(memoryFile(), 'utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const memory: Memory = {};
    for (const [slug, value] of Object.entries(parsed as Record<string, unknown>)) {
      const entry = value as Partial<BlogMemory> | null;
      if (entry && typeof entry.seen === 'string' && (entry.oldest === null || Number.isFinite(entry.oldest))) {
        memory[slug] = { seen: entry.seen, oldest: entry.oldest! };
      }
    }
    return memory;
  } catch {
    return {}; // none yet, or unreadable: look at every blog once
  }
}

function saveMemory(memory: Memory): void {
  const file = memoryFile();
  const scratch = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(scratch, JSON.stringify(memory));
  fs.renameSync(scratch, file);
}

/** A blog's file and WAL as metadata (`key`), and when either last changed; null when it has no file. */
function filesOf(slug: string): { key: string; changedAt: number } | null {
  const file = tenantDbPath(slug);
  const main = fs.statSync(file, { throwIfNoEntry: false });
  if (!main) return null;
  const wal = fs.statSync(`${file}-wal`, { throwIfNoEntry: false });
  const describe = (s: fs.Stats | undefined) => (s ? `${s.ino}:${s.size}:${s.ctimeMs}` : '-');
  return { key: `${describe(main)}|${describe(wal)}`, changedAt: Math.max(main.ctimeMs, wal?.ctimeMs ?? 0) };
}

/**
 * The schema version a blog file's header records (`PRAGMA user_version`, bytes 60–63), read
 * without opening it: opening a blog behind the current schema would migrate it, with a
 * snapshot, on the serving thread — the operator's `quire migrate --all` is for that.
 */
function headerSchemaVersion(slug: string): number {
  const header = Buffer.alloc(4);
  let fd: number;
  try {
    fd = fs.openSync(tenantDbPath(slug), 'r');
  } catch {
    return 0; // gone since it was stat'ed
  }
  try {
    return fs.readSync(fd, header, 0, 4, 60) === 4 ? header.readUInt32BE(0) : 0;
  } finally {
    fs.closeSync(fd);
  }
}

const state = () => processWide<{ memory?: Memory; running: boolean }>('trash-sweep', () => ({ running: false }));

/**
 * One sweep over every live blog, one blog at a time, yielding to requests in between; how many
 * posts and pages were deleted for good. A sweep still running when the next is due is not doubled.
 */
export async function sweepTrash(
  now = Date.now(),
  days = config().trashDays,
  open: (slug: string) => TenantHandle = openTenant,
): Promise<number> {
  if (state().running) return 0;
  state().running = true;
  try {
    return await sweep(now, days, open);
  } finally {
    state().running = false;
  }
}

async function sweep(now: number, days: number, open: (slug: string) => TenantHandle): Promise<number> {
  const memory = state().memory ?? loadMemory();
  const next: Memory = {};
  const cutoff = now - days * DAY_MS;
  let purged = 0;
  const live = await controlDb().orm.select({ slug: blogs.slug }).from(blogs).where(eq(blogs.status, 'active')).all();
  const newest = migrationSet('tenant').migrations.length;
  let statsSinceYield = 0;
  for (const { slug } of live) {
    // In a cluster, each node sweeps the blogs whose files it holds.
    if (!placedHere(slug)) continue;
    const known = memory[slug];
    const files = filesOf(slug);
    // Unchanged since we looked, and nothing in its trash due: nothing to do, no file opened.
    const unchanged = known !== undefined && known.seen === files?.key && (known.oldest === null || known.oldest > cutoff);
    // No file (the blog answers 404), or one not yet migrated, has no trash; it gets one when it is, which changes the file.
    if (unchanged || !files || headerSchemaVersion(slug) < newest) {
      if (unchanged) next[slug] = known;
      if (++statsSinceYield >= STATS_PER_YIELD) {
        statsSinceYield = 0;
        await yieldToRequests();
      }
      continue;
    }
    try {
      const handle = open(slug);
      // Taken after opening (which may make the WAL) and before reading: a later write changes it.
      const seen = filesOf(slug);
      const trusted = seen !== null && Date.now() - seen.changedAt > CLOCK_SLACK_MS;
      const oldest = oldestInTrash(handle);
      if (oldest !== null && oldest <= cutoff) purged += purgeExpiredTrash(handle, cutoff);
      next[slug] = { seen: trusted ? seen.key : null, oldest: oldest !== null && oldest <= cutoff ? oldestInTrash(handle) : oldest };
    } catch (error) {
      // Looked at again next run (no memory of it), whatever went wrong with this one.
      console.error(`[quire] housekeeping: the trash of "${slug}" could not be emptied:`, (error as Error).message);
    }
    statsSinceYield = 0;
    await yieldToRequests();
  }
  state().memory = next;
  saveMemory(next);
  return purged;
}
