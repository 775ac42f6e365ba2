import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { processWide } from '@/lib/process/shared';

/**
 * How long the serving thread's event loop was late, over the last full minute and since: the
 * one number that shows whether anything is stalling every blog at once.
 */
export type LoopDelay = { p50Ms: number; p99Ms: number; maxMs: number };

const WINDOW_MS = 60_000;

type Monitor = { histogram: IntervalHistogram; lastWindow: LoopDelay | null };

function monitor(): Monitor {
  return processWide('event-loop-monitor', () => {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const state: Monitor = { histogram, lastWindow: null };
    const timer = setInterval(() => {
      state.lastWindow = read(histogram);
      histogram.reset();
    }, WINDOW_MS);
    timer.unref();
    return state;
  });
}

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

function read(h: IntervalHistogram): LoopDelay {
  return { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
}

/** Starts measuring; called once at start-up. */
export function watchEventLoop(): void {
  monitor();
}

/** The last full minute (null in the first minute) and the minute so far. */
export function eventLoopDelay(): { lastMinute: LoopDelay | null; thisMinute: LoopDelay } {
  const m = monitor();
  return { lastMinute: m.lastWindow, thisMinute: read(m.histogram) };
}
