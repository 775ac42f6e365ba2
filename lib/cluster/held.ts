import { processWide } from '@/lib/process/shared';

/**
 * The epoch under which this node holds each blog's file (lib/cluster/fence.ts): taken at start
 * for the blogs placed here, and when a blog moved or restored here is ready under its next epoch.
 */
const held = () => processWide('cluster-held-epochs', () => new Map<string, number>());

export function heldEpoch(slug: string): number | undefined {
  return held().get(slug);
}

export function holdEpoch(slug: string, epoch: number): void {
  held().set(slug, epoch);
}

export function letGoOf(slug: string): void {
  held().delete(slug);
}

export function heldSlugs(): string[] {
  return [...held().keys()];
}
