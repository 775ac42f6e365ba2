#!/usr/bin/env node
// `npm run build`, first step: compiles our own TypeScript that runs outside Next — the server
// (lib/server/main.ts), the CLI (lib/cli/main.ts) and the modules worker threads load — into
// plain JavaScript under dist/, so that production needs no TypeScript compiler at run time
// (docs/architecture.md, "What runs in production"). npm packages stay in node_modules, imported
// as they are. `--if-stale`: build only when a file the last build read is newer than it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');
const meta = path.join(outdir, 'meta.json');

/**
 * Entry points, by output name. The worker threads' modules are looked up under these names
 * by lib/process/thread-module.ts.
 */
const entryPoints = {
  server: 'lib/server/main.ts',
  cli: 'lib/cli/main.ts',
  tasks: 'lib/tasks/index.ts',
  'blog-job': 'lib/rollout/blog-job.ts',
  'mail-sender': 'lib/mail/sender-thread.ts',
};

/** True when dist/ is missing, or a file it was built from (or the build's own set-up) is newer. */
function stale() {
  if (!fs.existsSync(meta)) return true;
  const builtAt = fs.statSync(meta).mtimeMs;
  const { inputs } = JSON.parse(fs.readFileSync(meta, 'utf8'));
  const files = [...Object.keys(inputs), 'scripts/build-server.mjs', 'tsconfig.json', 'package-lock.json'];
  return files.some((file) => {
    const stat = fs.statSync(path.join(root, file), { throwIfNoEntry: false });
    return !stat || stat.mtimeMs > builtAt;
  });
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);
const esbuild = await import('esbuild');

const started = Date.now();
fs.rmSync(outdir, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  // Shared code goes into chunks, and a dynamic import() stays lazy: a command loads only
  // what it uses.
  splitting: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  tsconfig: 'tsconfig.json',
  sourcemap: true,
  // Tells lib/process/thread-module.ts that it runs compiled (its threads load dist/ too).
  define: { 'process.env.QUIRE_COMPILED': '"1"' },
  metafile: true,
  logLevel: 'warning',
});
fs.writeFileSync(meta, JSON.stringify({ inputs: result.metafile.inputs }));
console.log(`[quire] compiled the server, the CLI and the worker modules into dist/ in ${Date.now() - started} ms`);
