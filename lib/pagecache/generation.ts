import type { TenantHandle } from '@/lib/db/pool';
import { processWide } from '@/lib/process/shared';

/**
 * A blog's page-cache generation: part of every cache key, so bumping it retires every cached
 * page of that blog at once. Three things move it:
 * - in-process writes call `bumpGeneration`;
 * - writes by another process (the CLI) show up in `PRAGMA data_version`, which changes on this
 *   connection exactly when another connection has committed;
 * - a post coming due (scheduled, or published with a future date): the earliest future publish
 *   time is remembered, and the first request after it moves the generation. No timer, no
 *   write at request time.
 */
type BlogGeneration = {
  generation: number;
  openId: number;
  dataVersion: number;
  /** When the next scheduled post comes due; null: none; undefined: not yet looked up. */
  dueAt: number | null | undefined;
};

const generations = () => processWide('page-generations', () => new Map<string, BlogGeneration>());

function entry(slug: string): BlogGeneration {
  let state = generations().get(slug);
  if (!state) {
    state = { generation: 0, openId: -1, dataVersion: -1, dueAt: undefined };
    generations().set(slug, state);
  }
  return state;
}

export function bumpGeneration(slug: string): void {
  const state = entry(slug);
  state.generation++;
  state.dueAt = undefined;
}

/**
 * The generation as this process last saw it, without asking the file: moved at once by
 * `bumpGeneration`, but writes by another process show only at the next `currentGeneration`.
 * -1 for a blog not seen yet.
 */
export function lastKnownGeneration(slug: string): number {
  return generations().get(slug)?.generation ?? -1;
}

export function currentGeneration(handle: TenantHandle, now = Date.now()): number {
  const state = entry(handle.slug);
  const dataVersion = handle.statement('data_version', () => handle.sqlite.prepare('PRAGMA data_version').pluck()).get() as number;
  // A reopened handle starts a new data_version sequence; the file may have changed meanwhile.
  if (state.openId !== handle.openId || state.dataVersion !== dataVersion) {
    state.generation++;
    state.openId = handle.openId;
    state.dataVersion = dataVersion;
    state.dueAt = undefined;
  }
  if (state.dueAt === undefined) state.dueAt = nextDueAt(handle, now);
  if (state.dueAt !== null && now >= state.dueAt) {
    state.generation++;
    state.dueAt = nextDueAt(handle, now);
  }
  return state.generation;
}

function nextDueAt(handle: TenantHandle, now: number): number | null {
  return handle
    .statement('posts.nextDue', () =>
      handle.sqlite.prepare("select min(published_at) from posts where status <> 'draft' and published_at > ?").pluck(),
    )
    .get(now) as number | null;
}
