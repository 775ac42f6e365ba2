import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * vitest's global set-up. The integration tests run the compiled server and CLI (dist/, as in
 * production): bring them up to date with the sources first, which is a quick check when
 * nothing changed. Next's own build is not redone here (`npm run build`, scripts/ensure-build.sh).
 */
export default function compileServer(): void {
  execFileSync(process.execPath, ['scripts/build-server.mjs', '--if-stale'], {
    cwd: path.resolve(__dirname, '..', '..'),
    stdio: 'inherit',
  });
}
