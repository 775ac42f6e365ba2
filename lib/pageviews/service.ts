import { config } from '@/lib/config';
import { openTenant } from '@/lib/db/pool';
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
function scheduleEarlyFlush(): void {
  early ??= setImmediate(() => {
    early = undefined;
    flushNow();
  });
}

export function flushNow(): FlushResult {
  const result = flushPageviews(pageviews(), openTenant, utcDay());
  if (result.failed.length > 0) {
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
