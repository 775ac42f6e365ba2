// Entry of a worker thread that runs a module of ours (the CLI's parallel jobs, a bench), named
// in workerData: compiled JavaScript in production (dist/), imported as it is; a TypeScript
// source otherwise, for which this thread registers tsx first (lib/process/thread-module.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';

if (workerData.module.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: workerData.tsconfig ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'tsconfig.json') });
}
await import(workerData.module);
