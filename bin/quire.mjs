#!/usr/bin/env node
// The `quire` command: runs the TypeScript CLI through tsx, from wherever it is installed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.QUIRE_APP_DIR ??= root;
register({ tsconfig: path.join(root, 'tsconfig.json') });
await import('../lib/cli/main.ts');
