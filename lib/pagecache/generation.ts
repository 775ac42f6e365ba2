import type { TenantHandle } from '@/lib/db/pool';
import { processWide } from '@/lib/process/shared';

/**
 * A blog's page-cache generation: part of every cache key, so bumping it retires every cached
 * page of that blog at once. In-process writes bump it explicitly (`bumpGeneration`); writes by
 * another process (the CLI) are noticed through `PRAGMA data_version`, which changes on this
 * connection exactly when another connection has committed.
 */
type BlogGeneration = { generation: number; openId: number; dataVersion: number };

const generations = () => processWide('page-generations', () => new Map<string, BlogGeneration>());

function entry(slug: string): BlogGeneration {
  let state = generations().get(slug);
  if (!state) {
    state = { generation: 0, openId: -1, dataVersion: -1 };
    generations().set(slug, state);
  }
  return state;
}

export function bumpGeneration(slug: string): void {
  entry(slug).generation++;
}

export function currentGeneration(handle: TenantHandle): number {
  const state = entry(handle.slug);
  const dataVersion = handle
    .statement('data_version', () => handle.sqlite.prepare('PRAGMA data_version').pluck())
    .get() as number;
  // A reopened handle starts a new data_version sequence; the file may have changed meanwhile.
  if (state.openId !== handle.openId || state.dataVersion !== dataVersion) {
    state.generation++;
    state.openId = handle.openId;
    state.dataVersion = dataVersion;
  }
  return state.generation;
}

