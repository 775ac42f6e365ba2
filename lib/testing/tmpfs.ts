import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Tmpfs = { dir: string; unmount: () => void };

/**
 * A real, small file system for the full-disk tests: a tmpfs of `sizeMb` on a fresh directory.
 * Mounting needs root (as on our machines and in CI); when it is not permitted this throws, so
 * the test fails loudly instead of passing without its subject.
 */
export function mountTmpfs(sizeMb: number): Tmpfs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    fs.rmdirSync(dir);
    throw new Error(
      `Could not mount a ${sizeMb} MB tmpfs on ${dir} (the full-disk tests need root): ${mounted.stderr?.trim() || mounted.error?.message}`,
    );
  }
  return {
    dir,
    unmount: () => {
      // A process that did not stop may still hold a file there: detach the mount anyway.
      if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes zeros to `file` until the file system is full (ENOSPC), or `bytes` were written.
 * Returns how many were; deleting the file gives the room back.
 */
export function fillDisk(file: string, bytes = Number.POSITIVE_INFINITY): number {
  const chunk = Buffer.alloc(64 * 1024);
  const fd = fs.openSync(file, 'a');
  let written = 0;
  try {
    while (written < bytes) {
      try {
        written += fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return written;
}
