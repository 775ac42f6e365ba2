import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/**
 * A throwaway PostgreSQL server (Debian's `postgresql` package) for the tests of the PostgreSQL
 * control plane and the cluster simulation: initdb'd into a temporary directory, listening on
 * loopback only, on a free port, trusting local connections, fsync off. PostgreSQL refuses to run
 * as root: as root, the directory is handed to the `postgres` user the package creates.
 */
export type TestPostgres = {
  /** `postgres://quire@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  dir: string;
  /** Stops the server (fast shutdown); `start` brings it back on the same port and files. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
};

function postgresBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const file = path.join(root, version, 'bin', name);
    if (fs.existsSync(file)) return file;
  }
  throw new Error(`PostgreSQL's ${name} was not found under ${root}: apt-get install postgresql`);
}

/** As root, the `postgres` user's ids, for running the server's programs as that user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: ids('-u'), gid: ids('-g') };
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-pg-'));
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  const user = serverUser();
  for (const owned of user ? [dir, data] : []) fs.chownSync(owned, user!.uid, user!.gid);
  execFileSync(postgresBin('initdb'), ['-D', data, '-U', 'quire', '--auth=trust', '-E', 'UTF8', '--no-sync'], { stdio: 'pipe', ...user });
  const port = await freePort();
  let server: ChildProcess | undefined;

  const start = async () => {
    const args = [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=300',
    ];
    const child = spawn(postgresBin('postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...user });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    server = child;
    const deadline = Date.now() + 30_000;
    while (!(await accepts(port))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const stop = async () => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // SIGINT: PostgreSQL's fast shutdown (clients disconnected, no wait).
    child.kill('SIGINT');
    await exited;
  };
  await start();
  return {
    url: `postgres://quire@127.0.0.1:${port}/postgres`,
    port,
    dir,
    stop,
    start,
    async destroy() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True once the server answers on its port as PostgreSQL would (a startup reply). */
async function accepts(port: number): Promise<boolean> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: `postgres://quire@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new, empty database on the server at `adminUrl`; its URL. */
export async function createTestDatabase(adminUrl: string, name: string): Promise<string> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A fresh database for a test file that needs PostgreSQL whatever the suite's backend: on the
 * suite's server (`npm run test:postgres`), else on a server of the file's own (`server`, to
 * destroy after the file, and to stop and start in a test).
 */
export async function postgresForTestFile(name: string): Promise<{ url: string; server: TestPostgres | undefined }> {
  const suite = process.env.QUIRE_TEST_POSTGRES_URL;
  const server = suite ? undefined : await startTestPostgres();
  return { url: await createTestDatabase(suite ?? server!.url, `${name}_${process.pid}`), server };
}
