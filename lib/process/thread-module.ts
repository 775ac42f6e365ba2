import path from 'node:path';
import { appRoot } from '@/lib/config';

/**
 * Which file of ours a worker thread loads. Threads start from small plain-JavaScript entries in
 * lib/ (lib/tasks/thread.mjs for the worker pool, lib/process/ts-worker.mjs for `quire migrate`
 * and the mail sender)
 * and are told a module to load:
 * - compiled code (dist/, built by scripts/build-server.mjs: `npm start`, the `quire` command)
 *   names the compiled module in dist/, which the thread imports as it is;
 * - the TypeScript sources (`npm run dev` through tsx, vitest, the benches) name the .ts file,
 *   and the thread registers tsx before importing it.
 */

// scripts/build-server.mjs replaces `process.env.QUIRE_COMPILED` with "1" in the code it compiles.
const COMPILED = process.env.QUIRE_COMPILED === '1';

/** The compiled file of each module a thread loads: entry points of scripts/build-server.mjs. */
const BUILT = {
  'lib/tasks/index.ts': 'tasks.mjs',
  'lib/rollout/blog-job.ts': 'blog-job.mjs',
  'lib/mail/sender-thread.ts': 'mail-sender.mjs',
} as const;

export function threadModule(source: keyof typeof BUILT): string {
  return COMPILED ? path.join(appRoot(), 'dist', BUILT[source]) : path.join(appRoot(), source);
}
