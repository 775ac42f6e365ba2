// Entry of a worker thread that runs a TypeScript module of ours (the CLI's parallel jobs):
// registers tsx in this thread, then loads the module named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register({ tsconfig: workerData.tsconfig });
await import(workerData.module);
