import { config } from '@/lib/config';
import { BlogFileMissingError, openTenant } from '@/lib/db/pool';
import { registeredBlog } from '@/lib/registry/registry';
import { processWide } from '@/lib/process/shared';
import { PageviewBatcher } from './batcher';
import { flushPageviews, type FlushResult } from './flush';
import { utcDay } from './visitor';

/** The process's one batcher, shared by the front (which records) and Next (stats, health). */
export function pageviews(): PageviewBatcher {
  return processWide('pageviews', () => {
    const batcher: PageviewBatcher = new PageviewBatcher({
      maxPendingKeys: config().pvMaxPending,
      maxSeen: config().pvMaxVisitors,
      onPressure: () => scheduleEarlyFlush(),
    });
    return batcher;
  });
}

let early: NodeJS.Immediate | undefined;
/** After a flush that could not write some blog (a full disk), early flushes wait for the regular one. */
const earlyFlushes = () => processWide('pageviews-early-flushes', () => ({ pausedUntil: 0 }));
function scheduleEarlyFlush(): void {
  // Pressure stays high while counts cannot be written: retrying at every beacon would redo the
  // whole failing flush each time (docs/architecture.md, "A full disk").
  if (Date.now() < earlyFlushes().pausedUntil) return;
  early ??= setImmediate(() => {
    early = undefined;
    flushNow();
  });
}

/**
 * Only an active blog takes counts: one under maintenance keeps them for later (opening it
 * would try to migrate it again), one deleted or renamed away is gone.
 */
function openForCounts(slug: string) {
  const blog = registeredBlog(slug);
  if (!blog || blog.status === 'deleted') throw new BlogFileMissingError(slug);
  if (blog.status !== 'active') throw new Error('under maintenance');
  return openTenant(slug);
}

export function flushNow(): FlushResult {
  const result = flushPageviews(pageviews(), openForCounts, utcDay());
  if (result.failed.length > 0) {
    earlyFlushes().pausedUntil = Date.now() + config().pvFlushMs;
    console.error(`[quire] pageview flush failed for ${result.failed.join(', ')}; kept for the next flush`);
  }
  return result;
}

/** Flushes every `QUIRE_PV_FLUSH_MS`; returns the stop function. */
export function startPageviewFlusher(): () => void {
  const timer = setInterval(flushNow, config().pvFlushMs);
  timer.unref();
  return () => clearInterval(timer);
}
