/**
 * Runs a command with a throwaway PostgreSQL server (lib/testing/postgres.ts) named in
 * QUIRE_TEST_POSTGRES_URL, then stops the server and removes its files: `node --import tsx
 * scripts/with-test-postgres.ts <command> [args…]`.
 */
import { spawn } from 'node:child_process';
import { startTestPostgres } from '@/lib/testing/postgres';

const [command, ...args] = process.argv.slice(2);
if (!command) throw new Error('usage: with-test-postgres.ts <command> [args…]');
const server = await startTestPostgres();
console.log(`[quire] PostgreSQL for the tests on port ${server.port}`);
const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, QUIRE_TEST_POSTGRES_URL: server.url } });
const code = await new Promise<number>((resolve) => child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0))));
await server.destroy();
process.exit(code);
