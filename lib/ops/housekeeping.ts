import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import { purgeTrash } from '@/lib/blogs/lifecycle';
import { config } from '@/lib/config';
import { backupsRoot } from '@/lib/db/paths';
import { pruneSnapshots } from '@/lib/snapshots/snapshots';

/**
 * What the server keeps tidy by itself, on `QUIRE_PRUNE_EVERY_MIN`: blogs past their time in
 * the trash are deleted, and each blog's snapshots are held to the retention settings — so
 * neither grows without an operator running the CLI. One blog at a time, yielding to requests
 * between blogs.
 */
export async function houseKeep(): Promise<{ purged: string[]; pruned: number }> {
  const purged = purgeTrash();
  let pruned = 0;
  const root = backupsRoot();
  const slugs = fs.existsSync(root) ? fs.readdirSync(root).filter((name) => fs.statSync(path.join(root, name)).isDirectory()) : [];
  for (const slug of slugs) {
    pruned += pruneSnapshots(slug).length;
    await yieldToRequests();
  }
  return { purged, pruned };
}

export function startHousekeeping(): () => void {
  const run = () =>
    houseKeep().then(
      ({ purged, pruned }) => {
        if (purged.length || pruned) console.log(`[quire] housekeeping: purged ${purged.length} blog(s) from the trash, pruned ${pruned} snapshot(s)`);
      },
      (error: unknown) => console.error('[quire] housekeeping failed:', error),
    );
  const timer = setInterval(run, config().pruneEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}
