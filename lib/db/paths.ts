import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { config } from '@/lib/config';

/**
 * Every path in the data directory is built here, and only from a validated slug. `root` is
 * another data directory than this install's: the one `quire backup restore` fills.
 */
export function controlDbPath(root = config().dataDir): string {
  return path.join(root, 'control.db');
}

export function tenantsDir(root = config().dataDir): string {
  return path.join(root, 'tenants');
}

export function tenantDbPath(validSlug: string, root = config().dataDir): string {
  return path.join(tenantsDir(root), `${validSlug}.db`);
}

/** Every blog's snapshots, one folder per blog. */
export function backupsRoot(): string {
  return path.join(config().dataDir, 'backups');
}

/** A blog's snapshots: pre-migration, pre-import, pre-restore, and the operator's own. */
export function backupsDir(validSlug: string): string {
  return path.join(backupsRoot(), validSlug);
}

/** Rendered pages kept on disk (lib/pagecache/store.ts): never part of a blog or a backup. */
export function pageStoreDir(): string {
  return path.join(config().dataDir, 'cache');
}

/** Deleted blogs wait here until purged. */
export function trashDir(root = config().dataDir): string {
  return path.join(root, 'trash');
}

export function trashedDbPath(validSlug: string, root = config().dataDir): string {
  return path.join(trashDir(root), `${validSlug}.db`);
}

/**
 * `quire backup run`'s folder: the Litestream config it writes, its state, and the requests to
 * let go of a blog file (lib/db/backup-handoff.ts).
 */
export function backupRunDir(root = config().dataDir): string {
  return path.join(root, 'litestream');
}

/** Scratch files: exports being streamed, uploads being checked (`quire doctor` reports old ones). */
export function scratchDir(): string {
  return path.join(config().dataDir, 'tmp');
}

export function scratchFile(prefix: string, extension: string): string {
  const dir = scratchDir();
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${prefix}-${Date.now()}-${randomBytes(6).toString('hex')}${extension}`);
}

/**
 * Deletes scratch files older than `ageMs`: what a process that died left behind (an upload whose
 * import job a restart forgot, an export cut short). Returns how many.
 */
export function removeOldScratchFiles(ageMs: number, now = Date.now()): number {
  const dir = scratchDir();
  let removed = 0;
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const file = path.join(dir, name);
    try {
      if (now - fs.statSync(file).mtimeMs > ageMs) {
        fs.rmSync(file, { force: true });
        removed++;
      }
    } catch {
      // Gone meanwhile: its owner finished.
    }
  }
  return removed;
}

export function removeQuietly(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

/** What the trash sweep remembers between runs (lib/trash/sweep.ts). */
export function trashSweepStatePath(): string {
  return path.join(config().dataDir, 'trash-sweep.json');
}
