import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { purgeTrash } from '@/lib/blogs/lifecycle';
import { config } from '@/lib/config';
import { backupsRoot, removeOldScratchFiles } from '@/lib/db/paths';
import { pruneSnapshots } from '@/lib/snapshots/snapshots';
import { sweepTrash } from '@/lib/trash/sweep';
import { OUTBOX_KEPT_DAYS, pruneOutbox } from '@/lib/mail/outbox';

/**
 * What the server keeps tidy by itself, on `QUIRE_PRUNE_EVERY_MIN`: blogs past their time in
 * the trash are deleted, so are posts and pages past theirs in their blog's trash (without
 * opening every blog: lib/trash/sweep.ts), and each blog's snapshots are held to the retention
 * settings, scratch files a dead process left in `tmp/` go after a day, and the outbox's
 * finished rows after OUTBOX_KEPT_DAYS — so none grows
 * without an operator running the CLI. One blog at a time, yielding
 * to requests between blogs.
 */
async function houseKeep(): Promise<{ purged: string[]; pruned: number; trashed: number; scratch: number; mail: number }> {
  const purged = await purgeTrash();
  const scratch = removeOldScratchFiles(SCRATCH_KEPT_MS);
  const mail = await pruneOutbox();
  const trashed = await sweepTrash();
  let pruned = 0;
  const root = backupsRoot();
  const slugs = fs.existsSync(root) ? fs.readdirSync(root).filter((name) => fs.statSync(path.join(root, name)).isDirectory()) : [];
  for (const slug of slugs) {
    pruned += pruneSnapshots(slug).length;
    await yieldToRequests();
  }
  return { purged, pruned, trashed, scratch, mail };
}

/**
 * Longer than anything keeps a scratch file: an import job's upload (an hour after its last
 * step), an export being downloaded over a slow line.
 */
const SCRATCH_KEPT_MS = 24 * 60 * 60_000;

export function startHousekeeping(): () => void {
  const run = () =>
    houseKeep().then(
      ({ purged, pruned, trashed, scratch, mail }) => {
        if (purged.length || pruned || trashed || scratch || mail) {
          console.log(
            `[quire] housekeeping: purged ${purged.length} blog(s) and ${trashed} post(s) or page(s) from the trash, pruned ${pruned} snapshot(s), deleted ${scratch} scratch file(s) older than a day and ${mail} sent mail record(s) older than ${OUTBOX_KEPT_DAYS} days`,
          );
        }
      },
      (error: unknown) => console.error('[quire] housekeeping failed:', error),
    );
  const timer = setInterval(run, config().pruneEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}
