import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A fresh data directory for one test file. Call it at the top of the file, before anything
 * reads the config: every test file runs in its own process, so the setting holds for it.
 */
export function makeTempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-test-'));
  process.env.QUIRE_DATA_DIR = dir;
  return dir;
}

/** Every file under `dir`, relative, sorted: to show that a request created nothing. */
export function listTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}
