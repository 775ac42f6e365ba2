import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlDatabaseFor, controlDatabaseOf } from './control';
import { freePort } from './ports';

export { freePort };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const controlDatabaseEnv = (dataDir: string) => {
  const url = controlDatabaseOf(dataDir);
  return url ? { QUIRE_CONTROL_DATABASE_URL: url } : {};
};

/** Runs the real `quire` command against a data directory (and its control plane). */
export function quire(dataDir: string, args: string[], input?: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'quire.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, QUIRE_DATA_DIR: dataDir, ...controlDatabaseEnv(dataDir), ...env },
    input,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export type RunningServer = {
  port: number;
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
};

/**
 * How the server is started: `node dist/server.mjs` directly, or through `npm start` as an operator
 * (or a process manager) would, with npm's process as the child that receives signals.
 */
export type Launcher = 'node' | 'npm start';

/** Starts the production server (`npm start`'s command, compiled) and waits until it listens. */
export async function startServer(
  dataDir: string,
  env: Record<string, string> | ((port: number) => Record<string, string>) = {},
  launcher: Launcher = 'node',
): Promise<RunningServer> {
  if (!fs.existsSync(path.join(ROOT, '.next', 'BUILD_ID')) || !fs.existsSync(path.join(ROOT, 'dist', 'server.mjs'))) {
    throw new Error('No production build: run `npm run build` before the integration tests.');
  }
  const port = await freePort();
  const controlDatabase = await controlDatabaseFor(dataDir);
  const [command, args] = launcher === 'node' ? [process.execPath, ['dist/server.mjs']] : ['npm', ['start', '--silent']];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(port),
      QUIRE_DATA_DIR: dataDir,
      ...(controlDatabase ? { QUIRE_CONTROL_DATABASE_URL: controlDatabase } : {}),
      QUIRE_ROOT_DOMAIN: `localhost:${port}`,
      // Every test signs up from this one address; the limit itself has its own test.
      QUIRE_SIGNUPS_PER_HOUR: '1000',
      ...(typeof env === 'function' ? env(port) : env),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Whatever ends the test process, the server ends with it (an `afterAll` that never ran included).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const check = () => {
      if (output.includes('production server on port')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server exited:\n${output}`));
    });
  });

  return {
    port,
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string; bytes: Buffer };

/** An HTTP request with any Host header (fetch does not allow setting Host). */
export function request(
  port: number,
  host: string,
  urlPath: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Over HTTPS: the name to ask for (SNI) and the CA its certificate must come from. */
    tls?: { servername: string; ca: string };
    /** The loopback address to send from (any of 127.0.0.0/8), to be another client. */
    localAddress?: string;
  } = {},
): Promise<Reply> {
  const send = options.tls ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: options.method ?? 'GET',
        headers: {
          host,
          // Node sends a DELETE's body without framing unless told its length.
          ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }),
          ...options.headers,
        },
        ...options.tls,
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString('utf8'), bytes });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A request written byte for byte, for hosts and paths an HTTP client would refuse to send. */
export function rawRequest(port: number, host: string, urlPath: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
    socket.on('error', reject);
    socket.write(`GET ${urlPath} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

/**
 * A signed-in (or not) API client of a running server: JSON bodies, the session cookie kept,
 * and our own Origin on writes unless told otherwise.
 */
export class ApiClient {
  cookie = '';

  constructor(readonly port: number) {}

  get origin(): string {
    return `http://localhost:${this.port}`;
  }

  async call(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.origin}${urlPath}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'GET' ? {} : { origin: this.origin }),
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* an HTML page */
    }
    return { status: response.status, json, text, headers: response.headers };
  }
}

/** Signs up on a running server (an account and its first blog) and returns the new account's signed-in client. */
export async function signUp(
  port: number,
  body: { email: string; password: string; blog: { slug: string; title: string } },
): Promise<ApiClient> {
  const client = new ApiClient(port);
  const reply = await client.call('POST', '/api/auth/signup', body);
  if (reply.status !== 200) throw new Error(`sign-up of ${body.email} failed: ${reply.status} ${reply.text}`);
  return client;
}
