import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { config } from '@/lib/config';

/** Scratch files (exports being streamed, uploads being checked) live under the data dir. */
export function scratchFile(prefix: string, extension: string): string {
  const dir = path.join(config().dataDir, 'tmp');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${prefix}-${Date.now()}-${randomBytes(6).toString('hex')}${extension}`);
}

export function removeQuietly(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}
