import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(__dirname) } },
  test: {
    include: ['lib/**/*.test.ts'],
    // Integration tests run the compiled server and CLI (dist/): compile what changed first.
    globalSetup: ['lib/testing/compile.ts'],
    // `npm run test:postgres`: each file's own database as the control plane (else nothing).
    setupFiles: ['lib/testing/postgres-setup.ts'],
    // Integration tests start the real server and run the CLI in their set-up; give them room
    // on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
