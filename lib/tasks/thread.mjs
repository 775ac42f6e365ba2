// Entry of every thread of the worker pool (lib/workers/pool.ts), beside the task table it runs.
// Plain JavaScript, loaded by path outside any bundler. First it lowers this thread's CPU priority, so that the thread that
// serves every blog wins the CPU (threads and processes started from here — TypeScript's loader
// thread, esbuild — inherit it); then it loads the task table the pool names in workerData
// (lib/process/thread-module.ts): compiled JavaScript in production, else lib/tasks/index.ts
// through tsx, registered here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';

try {
  // Linux: /proc/thread-self names this thread's id; a nice value on it affects this thread only.
  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 10);
} catch {
  // Elsewhere the pool still works, at the same priority as the server.
}

const here = path.dirname(fileURLToPath(import.meta.url));
const taskTable = workerData?.taskTable ?? path.join(here, 'index.ts');
if (taskTable.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: path.join(here, '..', '..', 'tsconfig.json') });
}

// The task table: every task a pool thread can run (lib/tasks).
const { runTaskHere } = await import(taskTable);

export default runTaskHere;
