#!/usr/bin/env node
// The `quire` command: runs the CLI compiled by `npm run build` (dist/cli.mjs), from wherever it is installed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli.mjs');
if (!fs.existsSync(cli)) {
  console.error('quire: the CLI is not built yet: run npm run build first.');
  process.exit(1);
}
process.env.QUIRE_APP_DIR ??= root;
await import(pathToFileURL(cli).href);
