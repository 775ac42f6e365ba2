import fs from 'node:fs';
import path from 'node:path';
import { config } from '@/lib/config';
import { HttpError, INSUFFICIENT_STORAGE, isOutOfDiskSpace } from '@/lib/http/errors';
import { processWide } from '@/lib/process/shared';

/**
 * Free space in the data directory's file system, and the margin the operator keeps
 * (`QUIRE_MIN_FREE_MB`): below it, work that writes big files at once is refused before it
 * starts, so that what is left serves the small writes that matter — posts, comments,
 * pageviews (docs/architecture.md, "A full disk").
 */
export type DiskSpace = {
  /** Bytes an unprivileged process may still write (statfs `bavail`). */
  freeBytes: number;
  totalBytes: number;
  minFreeBytes: number;
  /** Below the margin: big writes are refused and the health report is not ok. */
  low: boolean;
};

/** statfs costs a few µs; a second-old answer is fresh enough for a request or a scrape. */
const FRESH_MS = 1000;

type Measurement = { space: DiskSpace; at: number };

const measurements = () => processWide('disk-space', () => ({ current: undefined as Measurement | undefined, announce: false }));

/** Measured at most once a second per process (the front and Next's copies share it). */
export function diskSpace(now = Date.now()): DiskSpace {
  const last = measurements();
  if (last.current && now - last.current.at < FRESH_MS) return last.current.space;
  const space = measure();
  if (last.announce && space.low !== (last.current?.space.low ?? false)) announce(space);
  last.current = { space, at: now };
  return space;
}

/** How often the server looks, requests or not, so that the log tells when the margin is crossed. */
const WATCH_MS = 10_000;

/** The server's log says when free space falls below the margin and when it is back (the CLI's errors say it themselves). */
export function watchDiskSpace(): () => void {
  measurements().announce = true;
  diskSpace();
  const timer = setInterval(() => diskSpace(), WATCH_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function measure(): DiskSpace {
  const stats = fs.statfsSync(existingAncestor(config().dataDir));
  const freeBytes = stats.bavail * stats.bsize;
  const minFreeBytes = config().minFreeBytes;
  return { freeBytes, totalBytes: stats.blocks * stats.bsize, minFreeBytes, low: freeBytes < minFreeBytes };
}

/** The data directory, or (before anything created it) the nearest folder above it that exists. */
function existingAncestor(dir: string): string {
  let current = dir;
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

/** Megabytes (MiB, as QUIRE_MIN_FREE_MB counts them), one decimal. */
const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;

/** The operator learns of each crossing of the margin once, in the log. */
function announce(space: DiskSpace): void {
  if (space.low) {
    console.error(
      `[quire] ${mb(space.freeBytes)} MB free in ${config().dataDir}, below QUIRE_MIN_FREE_MB (${mb(space.minFreeBytes)}): ` +
        'uploads, imports, exports and snapshots are refused until there is more room',
    );
  } else {
    console.log(`[quire] ${mb(space.freeBytes)} MB free in ${config().dataDir} again: uploads, imports, exports and snapshots resume`);
  }
}

/** What a person is told when work that needs room was refused before it started. */
export const LOW_ON_DISK_SPACE =
  'The server is low on disk space, so uploads, imports, exports and snapshots are paused until it has more room.';

export class LowDiskSpaceError extends HttpError {
  /** For the operator (the CLI prints it after the sentence): the numbers behind the refusal. */
  readonly detail: string;

  constructor(space: DiskSpace) {
    super(INSUFFICIENT_STORAGE, LOW_ON_DISK_SPACE);
    this.name = 'LowDiskSpaceError';
    this.detail = `${mb(space.freeBytes)} MB free in ${config().dataDir}; QUIRE_MIN_FREE_MB is ${mb(space.minFreeBytes)}`;
  }
}

/**
 * Refuses, before it starts, work that writes big files at once — an upload, an import, an
 * export, a snapshot — while free space is below the margin. Small writes never ask.
 */
export function assertSpaceForBigWrites(): void {
  const space = diskSpace();
  if (space.low) throw new LowDiskSpaceError(space);
}

/**
 * Big work that ran out of room part-way (its partial files are the caller's to remove) says
 * what an early refusal says: the margin was too small for it. Any other error is left as it is.
 */
export function asLowDiskSpace(error: unknown): unknown {
  return isOutOfDiskSpace(error) ? new LowDiskSpaceError(diskSpace()) : error;
}
