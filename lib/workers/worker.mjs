// Entry of every thread of the worker pool (lib/workers/pool.ts). Plain JavaScript, loaded by
// path outside any bundler: it registers tsx in this thread, lowers the thread's CPU priority
// so the thread that serves every blog wins the CPU, then hands each task to lib/tasks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const here = path.dirname(fileURLToPath(import.meta.url));
register({ tsconfig: path.join(here, '..', '..', 'tsconfig.json') });

try {
  // Linux: /proc/thread-self names this thread's id; a nice value on it affects this thread only.
  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 10);
} catch {
  // Elsewhere the pool still works, at the same priority as the server.
}

// The task table: every task a pool thread can run (lib/tasks).
const { runTaskHere } = await import('../tasks/index.ts');

export default runTaskHere;
