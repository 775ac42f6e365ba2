/**
 * What every `npm run bench:*` script shares (docs/architecture.md, "Benchmarks"): one copy of
 * each helper.
 *
 *   runBench(name, options, main)   runs main() under a watchdog and SIGINT/SIGTERM handlers; on the
 *                                   way out (success, failure or abort) stops every child it started
 *                                   and removes the temporary dir
 *   makeTmpDir, removeTmp           the one throw-away dir a run works in
 *   startChild, startQuire, stop    child processes (the production server, reference servers), with
 *                                   the tail of their output kept for the report (collectStderr)
 *   health, platformGet,            Quire's GET /api/health, a GET on its platform host; one request;
 *   sendRequest, beaconRequest      a pageview beacon as Chrome sends it
 *   ensureBuild, baseEnv, freePort  set-up
 *   longPost, generatedPost,        the 1,500-word post (../shared/bench/post-1500w.md, else a
 *   seedBlogs                       generated one) and lib/testing/seed-blogs.ts
 *   readCpuSeconds, readMemory,     /proc: a process's CPU time and memory, the machine's CPU ticks
 *   readMachineTicks, machineCpu,
 *   machineBusyPct
 *   loadSettings, ensureWrk, runWrk one load case with wrk (its own process, a generated Lua script):
 *   measureLoad, readTreeCpuSeconds its settings, the server's CPU (children included) and wrk's
 *   loadRow, logRow, medianRow,     around it, its row, the median over rounds, the tables
 *   printLoadTable, printRounds
 *   measureBefore, printHeader,     the report
 *   printSoftware, printTable, fmt,
 *   median, percentile, readSeconds,
 *   readCount
 *
 * Linux only where it reads /proc: elsewhere those figures are undefined (printed "n/a").
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_POST = path.resolve(REPO_ROOT, '..', 'shared', 'bench', 'post-1500w.md');
const START_TIMEOUT_MS = 90_000;

// ---------------------------------------------------------------------------------------------
// The run

let benchName = 'bench';
let tmpDir: string | undefined;
const running = new Set<Server>();

/**
 * Runs a benchmark's main(): a watchdog of `deadlineMs` and SIGINT/SIGTERM abort it; a failure
 * is printed (with its stack if `errorStack`) and sets the exit code; either way every child
 * still running is stopped and the temporary dir removed.
 */
export async function runBench(
  name: string,
  options: { deadlineMs: number; errorStack?: boolean },
  main: () => Promise<void>,
): Promise<void> {
  benchName = name;
  const watchdog = setTimeout(() => void abort('took too long; giving up'), options.deadlineMs);
  watchdog.unref();
  process.on('SIGINT', () => void abort('interrupted'));
  process.on('SIGTERM', () => void abort('terminated'));
  try {
    await main();
  } catch (error) {
    const text = error instanceof Error ? (options.errorStack ? (error.stack ?? error.message) : error.message) : String(error);
    console.error(`${name} failed: ${text}`);
    process.exitCode = 1;
  } finally {
    await stopAll();
    removeTmp();
  }
}

async function abort(why: string): Promise<void> {
  console.error(`${benchName}: ${why}`);
  await stopAll();
  removeTmp();
  process.exit(1);
}

/** The run's temporary dir under the OS's, removed when the run ends however it ends. */
export function makeTmpDir(prefix: string): string {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return tmpDir;
}

export function removeTmp(): void {
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}

// ---------------------------------------------------------------------------------------------
// Child processes

export type Server = {
  name: string;
  proc: ChildProcess;
  port: number;
  /** The last lines the process wrote to stderr and stdout, for the report. */
  stderr: string[];
  stderrLines: number;
  stdout: string[];
  /** Set when the process has exited: its code or signal. */
  exit?: string;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopTimeoutMs: number;
};

export type ChildOptions = {
  /** Settings that need the port the child will listen on. */
  envForPort?: (port: number) => Record<string, string>;
  /** How long stop() waits after SIGTERM before SIGKILL; default 15 s. */
  stopTimeoutMs?: number;
};

/** Starts `node <args>` on a free port (PORT) and waits until its stdout matches `ready`. */
export async function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  options: ChildOptions = {},
): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), ...env, PORT: String(port), ...options.envForPort?.(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server: Server = { name, proc, port, stderr: [], stderrLines: 0, stdout: [], stopTimeoutMs: options.stopTimeoutMs ?? 15_000 };
  running.add(server);
  proc.on('exit', (code, signal) => {
    server.exit = signal ?? `code ${code}`;
    running.delete(server);
  });
  const keepTail = (lines: string[], chunk: string, onLine?: () => void) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      onLine?.();
      lines.push(line);
      if (lines.length > 10) lines.shift();
    }
  };
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (chunk: string) => keepTail(server.stderr, chunk, () => server.stderrLines++));
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => keepTail(server.stdout, chunk));

  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    let started = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`${name} did not start: ${why}\n${server.stderr.join('\n')}\n${stdout.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`no "${ready.source}" within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    proc.once('exit', (code, signal) => {
      if (!started) fail(`exited (${signal ?? code})`);
    });
    proc.stdout?.on('data', (chunk: string) => {
      if (started) return;
      stdout += chunk;
      if (ready.test(stdout)) {
        started = true;
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return server;
}

/**
 * The production server (`npm start`'s command: needs `next build`) on its own data dir. The one
 * place every benchmark starts Quire from: change how the server runs here. BENCH_NODE_ARGS adds
 * options for node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the server under load.
 */
export function startQuire(
  name: string,
  dataDir: string,
  extraEnv: Record<string, string> = {},
  options: Omit<ChildOptions, 'envForPort'> = {},
): Promise<Server> {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  return startChild(
    name,
    [...nodeArgs, 'dist/server.mjs'],
    { NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', QUIRE_DATA_DIR: dataDir, ...extraEnv },
    /production server on port/,
    { ...options, envForPort: (port) => ({ QUIRE_ROOT_DOMAIN: `localhost:${port}` }) },
  );
}

/** SIGTERM, then SIGKILL if the child has not exited within its stop timeout. */
export async function stop(server: Server): Promise<void> {
  const { proc } = server;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), server.stopTimeoutMs);
  await exited;
  clearTimeout(timer);
  running.delete(server);
}

async function stopAll(): Promise<void> {
  await Promise.all([...running].map((server) => stop(server)));
}

export function collectStderr(server: Server, notes: string[]): void {
  if (server.stderrLines === 0) return;
  notes.push(`${server.name} wrote ${server.stderrLines} line(s) to stderr; the last:\n    ` + server.stderr.join('\n    '));
}

/** The environment children inherit, without any QUIRE_* setting of the caller's. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('QUIRE_')) delete env[key];
  return env;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Part of what Quire's `GET /api/health` answers (lib/metrics/metrics.ts, healthReport). */
export type Health = {
  openHandles: number;
  memory?: { rssMb: number; heapUsedMb: number; heapTotalMb: number; externalMb: number };
  /** The serving thread's event-loop delay, this minute so far (lib/metrics/event-loop.ts). */
  eventLoopDelay?: { thisMinute: { p50Ms: number; p99Ms: number; maxMs: number } };
  pageviews: { pending: number; pendingKeys: number; flushed: number; failedFlushes: number };
  /** null when the page cache is off. */
  pageCache: {
    hits: number;
    misses: number;
    entries: number;
    bytes: number;
    diskHits: number;
    disk: { entries: number; bytes: number } | null;
  } | null;
};

/** Quire's /api/health on the platform host; undefined if it does not answer JSON. */
export async function health(server: Server): Promise<Health | undefined> {
  try {
    return JSON.parse((await platformGet(server, '/api/health')) ?? '') as Health;
  } catch {
    return undefined;
  }
}

/** A GET on Quire's platform host (`localhost:<port>`): the body as text, undefined on failure. */
export function platformGet(server: Server, urlPath: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port: server.port, path: urlPath, headers: { host: `localhost:${server.port}` }, agent: false, timeout: 30_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(res.statusCode === 200 ? text : undefined));
      },
    );
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}

/** One HTTP request, as runWrk and sendRequest send it. */
export type RequestSpec = { method: string; path: string; headers: Record<string, string>; body: string };

/** Sends one request on its own connection; resolves its status once the answer is read. */
export function sendRequest(port: number, spec: RequestSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: spec.path, method: spec.method, headers: spec.headers, agent: false, timeout: 30_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${spec.method} ${spec.path} timed out`)));
    req.on('error', reject);
    req.end(spec.body);
  });
}

/** A current desktop Chrome on Windows, as sendBeacon sends it. */
export const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * A pageview beacon (`POST /api/pv`) for one blog's page (post 0 is the home page), headers as
 * Chrome's sendBeacon sends them.
 */
export function beaconRequest(port: number, blog: string, post: number, referrer: string): RequestSpec {
  const origin = `http://${blog}.localhost:${port}`;
  return {
    method: 'POST',
    path: '/api/pv',
    headers: {
      host: `${blog}.localhost:${port}`,
      'user-agent': CHROME_UA,
      'content-type': 'text/plain;charset=UTF-8',
      accept: '*/*',
      'accept-language': 'en-GB,en;q=0.9',
      'accept-encoding': 'gzip, deflate, br, zstd',
      origin,
      referer: post === 0 ? `${origin}/` : `${origin}/posts/post-${post}`,
      'sec-fetch-dest': 'empty',
      'sec-fetch-mode': 'no-cors',
      'sec-fetch-site': 'same-origin',
    },
    body: JSON.stringify({ p: post, r: referrer }),
  };
}

// ---------------------------------------------------------------------------------------------
// Set-up

export function ensureBuild(notes: string[]): void {
  const before = fs.existsSync(path.join(REPO_ROOT, '.next', 'BUILD_ID'))
    ? fs.statSync(path.join(REPO_ROOT, '.next', 'BUILD_ID')).mtimeMs
    : 0;
  // What `npm start` runs, built again only where older than its sources (dist/ and .next/).
  execFileSync('bash', ['scripts/ensure-build.sh'], { cwd: REPO_ROOT, stdio: 'inherit', timeout: 900_000 });
  const after = fs.statSync(path.join(REPO_ROOT, '.next', 'BUILD_ID')).mtimeMs;
  if (after !== before) notes.push('The production build was older than the sources, so this run built it first.');
}

/**
 * The 1,500-word post every benchmark seeds with: ../shared/bench/post-1500w.md when present,
 * else a generated post of the same size written into `dir`. Returns its file and how to name it.
 */
export function longPost(dir: string): { file: string; source: string } {
  if (fs.existsSync(SHARED_POST)) return { file: SHARED_POST, source: path.relative(REPO_ROOT, SHARED_POST) };
  const file = path.join(dir, 'generated-post.md');
  fs.writeFileSync(file, generatedPost(1500));
  return { file, source: 'a generated 1,500-word post (../shared/bench/post-1500w.md is absent)' };
}

/** Deterministic Markdown of about `words` words: headings, paragraphs, a list, a code block. */
export function generatedPost(words: number, seedValue = 0): string {
  const vocabulary = (
    'the a blog post file every page cache server render quiet river stone window morning ' +
    'letter garden simple careful reader writer evening table small light paper story ' +
    'measure number history always because between through without another'
  ).split(' ');
  let state = (seedValue + 1) >>> 0;
  const nextWord = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0; // a 32-bit LCG: same text every run
    return vocabulary[(state >>> 16) % vocabulary.length] ?? 'word';
  };
  const sentence = (n: number) => {
    const text = Array.from({ length: n }, nextWord).join(' ');
    return text.charAt(0).toUpperCase() + text.slice(1) + '.';
  };

  const parts: string[] = [];
  let count = 0;
  let section = 0;
  while (count < words) {
    if (count % 300 < 60) parts.push(`## Section ${++section}`);
    const paragraph = Array.from({ length: 4 }, () => sentence(14)).join(' ');
    parts.push(paragraph);
    count += 56;
    if (section === 2 && count < 400) {
      parts.push(['- one item with *emphasis*', '- another with `code`', '- a third [link](https://example.com)'].join('\n'));
      parts.push('```ts\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n```');
    }
  }
  return parts.join('\n\n') + '\n';
}

/**
 * lib/testing/seed-blogs.ts in a child: blogs blog0 … blog<n-1>, each with posts 1 … `posts`
 * holding `markdownFile` ("A short post." without one). Returns the wall time in ms.
 */
export function seedBlogs(dataDir: string, blogs: number, posts: number, markdownFile: string | undefined, timeoutMs: number): number {
  const started = performance.now();
  const args = ['--import', 'tsx', 'lib/testing/seed-blogs.ts', String(blogs), String(posts), ...(markdownFile ? [markdownFile] : [])];
  execFileSync(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), QUIRE_DATA_DIR: dataDir },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: timeoutMs,
  });
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------
// /proc

/** User + system CPU time a process has used so far, in seconds; undefined off Linux. */
export function readCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

let ticks: number | undefined;
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/**
 * VmRSS (now) and VmHWM (peak) of a process, in MB (MiB), and the part of VmRSS that is anonymous
 * memory (heap, buffers: RssAnon) and file-backed (RssFile); undefined off Linux.
 */
export function readMemory(pid: number | undefined): { rssMb: number; peakMb: number; anonMb: number; fileMb: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024, anonMb: kb('RssAnon') / 1024, fileMb: kb('RssFile') / 1024 };
  } catch {
    return undefined;
  }
}

export type MachineCpu = { busyPct: number; softirqPct: number };

/** The first line of /proc/stat: all cores' ticks by kind; undefined off Linux. */
export function readMachineTicks(): number[] | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    return line.trim().split(/\s+/).slice(1, 9).map(Number);
  } catch {
    return undefined;
  }
}

/** user nice system idle iowait irq softirq steal: busy is all but idle and iowait. */
export function machineCpu(before: number[], after: number[], wallSeconds: number): MachineCpu {
  const delta = after.map((value, i) => value - (before[i] ?? 0));
  const pct = (n: number) => (n / clockTicks() / wallSeconds) * 100;
  const total = delta.reduce((sum, n) => sum + n, 0);
  return { busyPct: pct(total - (delta[3] ?? 0) - (delta[4] ?? 0)), softirqPct: pct(delta[6] ?? 0) };
}

/** How busy the whole machine is over the next `seconds` (100 = one core); undefined off Linux. */
export async function machineBusyPct(seconds: number): Promise<number | undefined> {
  const before = readMachineTicks();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = readMachineTicks();
  return before && after ? machineCpu(before, after, seconds).busyPct : undefined;
}

// ---------------------------------------------------------------------------------------------
// Load: wrk

/**
 * The load every HTTP case uses (docs/architecture.md, "Benchmarks"): wrk in its own process with
 * BENCH_THREADS (default 2) threads and BENCH_CONNECTIONS (default 50) connections over loopback,
 * a 2 s warm-up, then BENCH_SECONDS (default 10) measured; BENCH_ROUNDS (default 2) rounds of
 * every case, interleaved, so that each case is measured close in time to its reference.
 */
export function loadSettings(): { threads: number; connections: number; warmupSeconds: number; seconds: number; rounds: number } {
  return {
    threads: readCount('BENCH_THREADS', 2),
    connections: readCount('BENCH_CONNECTIONS', 50),
    warmupSeconds: 2,
    seconds: readSeconds(process.env.BENCH_SECONDS, 10),
    rounds: readCount('BENCH_ROUNDS', 2),
  };
}

/**
 * wrk, installed from Debian's package if it is missing (as scripts/test-all.sh installs
 * chromium; sudo unless root). Returns its version line.
 */
export function ensureWrk(): string {
  // `wrk -v` prints "wrk <version> [epoll] Copyright …" and its usage, and exits 1.
  const version = (): string | undefined => {
    try {
      execFileSync('wrk', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return 'wrk';
    } catch (error) {
      const out = (error as { stdout?: string }).stdout ?? '';
      return out.startsWith('wrk ') ? out.split(' [')[0]!.split('\n')[0]!.trim() : undefined;
    }
  };
  const found = version();
  if (found) return found;
  console.log("wrk is missing: installing Debian's package (apt-get install wrk)…");
  const run = (args: string[]) => {
    const [command, ...rest] = process.getuid?.() === 0 ? args : ['sudo', ...args];
    execFileSync(command!, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', 'wrk']);
  const installed = version();
  if (!installed) throw new Error('wrk could not be installed (apt-get install wrk)');
  return installed;
}

/** What one wrk run reports (its Lua `done()`, bench/common.ts wrkScript). */
export type WrkResult = {
  /** Responses read. */
  requests: number;
  /** Requests written (counted in Lua when the case cycles a list); undefined for a single request. */
  sent: number | undefined;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  bytes: number;
  /** Answers with a status above 399 (wrk's "status" errors): the non-2xx/3xx count. */
  badStatus: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
};

/**
 * One wrk run of `seconds` against 127.0.0.1:`port`: one request repeated, or a list that each
 * wrk thread cycles through (each from its own offset). Every request is sent byte for byte as
 * given (with Content-Length for a body). The Lua script goes into `dir`.
 */
export async function runWrk(port: number, requests: RequestSpec[], seconds: number, dir: string): Promise<WrkResult> {
  const { threads, connections } = loadSettings();
  const script = path.join(dir, `wrk-${process.pid}-${++wrkScripts}.lua`);
  fs.writeFileSync(script, wrkScript(port, requests));
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s', '-s', script];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', [...args, `http://127.0.0.1:${port}/`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (text += chunk));
    child.stderr.on('data', (chunk: string) => (text += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(text) : reject(new Error(`wrk ${args.join(' ')} ended with ${signal ?? code}:\n${text.slice(-2000)}`)),
    );
  });
  fs.rmSync(script, { force: true });
  const line = output.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk printed no result:\n${output.slice(-2000)}`);
  const r = JSON.parse(line.slice('WRK_RESULT '.length)) as {
    requests: number;
    sent: number;
    duration_us: number;
    bytes: number;
    p50_us: number;
    p99_us: number;
    max_us: number;
    errors: { connect: number; read: number; write: number; status: number; timeout: number };
  };
  return {
    requests: r.requests,
    sent: r.sent >= 0 ? r.sent : undefined,
    seconds: r.duration_us / 1e6,
    rps: r.requests / (r.duration_us / 1e6),
    p50Ms: r.p50_us / 1000,
    p99Ms: r.p99_us / 1000,
    maxMs: r.max_us / 1000,
    bytes: r.bytes,
    badStatus: r.errors.status,
    socketErrors: { connect: r.errors.connect, read: r.errors.read, write: r.errors.write, timeout: r.errors.timeout },
  };
}

let wrkScripts = 0;

/** The raw bytes of one HTTP/1.1 request, with Host and (for a body) Content-Length. */
function rawRequest(port: number, spec: RequestSpec): Buffer {
  const headers: Record<string, string> = { ...spec.headers };
  const names = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  if (!names.has('host')) headers.host = `127.0.0.1:${port}`;
  const body = Buffer.from(spec.body, 'utf8');
  if (body.length > 0 || spec.method === 'POST') headers['content-length'] = String(body.length);
  const head =
    `${spec.method} ${spec.path} HTTP/1.1\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** A Lua string literal of any bytes (\ddd escapes outside printable ASCII). */
function luaString(bytes: Buffer): string {
  let out = '"';
  for (const byte of bytes) {
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\${byte}`;
  }
  return out + '"';
}

/**
 * wrk's Lua script: a static request (wrk builds it once) or a list cycled by `request()`; and a
 * `done()` that prints one line, `WRK_RESULT {json}`, with what runWrk reads. No `response()`:
 * wrk then neither parses headers nor bodies beyond what HTTP framing needs.
 */
function wrkScript(port: number, requests: RequestSpec[]): string {
  const done = `
function done(summary, latency, requests)
  local sent = -1
  for _, t in ipairs(threads) do
    local n = t:get("sent")
    if n ~= nil then sent = math.max(sent, 0) + n end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%.0f,"sent":%.0f,"duration_us":%.0f,"bytes":%.0f,"p50_us":%.0f,"p99_us":%.0f,"max_us":%.0f,' ..
    '"errors":{"connect":%.0f,"read":%.0f,"write":%.0f,"status":%.0f,"timeout":%.0f}}\\n',
    summary.requests, sent, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;
  const first = requests[0];
  if (!first) throw new Error('runWrk: no request');
  if (requests.length === 1) {
    const headers = Object.entries({ ...first.headers });
    if (first.body) headers.push(['Content-Length', String(Buffer.byteLength(first.body))]);
    return (
      '-- Generated by bench/common.ts (runWrk): one request, built once by wrk.\n' +
      `wrk.method = ${luaString(Buffer.from(first.method))}\n` +
      `wrk.path = ${luaString(Buffer.from(first.path))}\n` +
      headers
        .map(([name, value]) => `wrk.headers[${luaString(Buffer.from(name))}] = ${luaString(Buffer.from(value, 'latin1'))}\n`)
        .join('') +
      (first.body ? `wrk.body = ${luaString(Buffer.from(first.body, 'utf8'))}\n` : '') +
      'threads = {}\nfunction setup(thread) table.insert(threads, thread) end\n' +
      done
    );
  }
  return (
    '-- Generated by bench/common.ts (runWrk): each thread cycles through the list, from its own offset.\n' +
    'local list = {\n' +
    requests.map((spec) => `  ${luaString(rawRequest(port, spec))},\n`).join('') +
    '}\n' +
    `local n = #list
local i = 0
sent = 0
threads = {}
function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end
function init(args)
  i = offset or 0
end
function request()
  i = i + 1
  sent = sent + 1
  return list[(i % n) + 1]
end
` +
    done
  );
}

/** CPU and memory around one run of load: the server's (with its children), wrk's, the machine's. */
export type LoadUsage = {
  wallSeconds: number;
  serverCpuSeconds: number;
  clientCpuSeconds: number;
  machine: MachineCpu | undefined;
  memory: ReturnType<typeof readMemory>;
};

/**
 * User + system CPU seconds of a process and every process below it (children it forked, and
 * those children's reaped children), from /proc; undefined off Linux. Threads (Node's workers,
 * libuv's pool) are part of their process's figure.
 */
export function readTreeCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const name of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // state ppid … utime stime cutime cstime: fields 3, 4, 14–17 of stat(5).
      stats.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
    } catch {
      // gone meanwhile
    }
  }
  if (!stats.has(pid)) return undefined;
  let ticks = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.pop()!;
    ticks += stats.get(current)?.ticks ?? 0;
    for (const [child, stat] of stats) if (stat.ppid === current) queue.push(child);
  }
  return ticks / clockTicks();
}

/** CPU seconds of this process's children that have ended and been reaped (cutime + cstime). */
function reapedChildrenCpuSeconds(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / clockTicks();
  } catch {
    return NaN;
  }
}

/** Runs `load` (a runWrk call) and reads the CPU time and memory it cost the server and wrk. */
export async function measureLoad<T>(server: Server, load: () => Promise<T>): Promise<{ result: T; usage: LoadUsage }> {
  const serverCpuBefore = readTreeCpuSeconds(server.proc.pid);
  const clientCpuBefore = reapedChildrenCpuSeconds();
  const machineBefore = readMachineTicks();
  const startedAt = performance.now();
  const result = await load();
  const wallSeconds = (performance.now() - startedAt) / 1000;
  // wrk has exited and been reaped: its CPU time is in this process's cutime + cstime now.
  const clientCpuSeconds = reapedChildrenCpuSeconds() - clientCpuBefore;
  const serverCpuSeconds = (readTreeCpuSeconds(server.proc.pid) ?? NaN) - (serverCpuBefore ?? NaN);
  const machineAfter = readMachineTicks();
  const memory = readMemory(server.proc.pid);
  return {
    result,
    usage: {
      wallSeconds,
      serverCpuSeconds,
      clientCpuSeconds,
      machine: machineBefore && machineAfter ? machineCpu(machineBefore, machineAfter, wallSeconds) : undefined,
      memory,
    },
  };
}

export type LoadRow = {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  rssMb: number | undefined;
  peakRssMb: number | undefined;
  /** Of one core: 100 = a whole core busy for the measured seconds. */
  serverCpuPct: number;
  serverCpuUsPerReq: number;
  clientCpuPct: number;
  /** The whole machine over the measured seconds (100 = one core): busy, of it softirq, and the rest. */
  machine: MachineCpu | undefined;
  bytesPerResponse: number;
  requests: number;
  failures: string | undefined;
};

/** A case's row; `answers` is what the case calls a wrong answer beyond wrk's status errors, if any. */
export function loadRow(label: string, server: Server, result: WrkResult, usage: LoadUsage, answers: string | false = false): LoadRow {
  const sockets = Object.entries(result.socketErrors).filter(([, n]) => n > 0);
  const failures = [
    result.badStatus > 0 && `${result.badStatus} answers with a status of 400 or more`,
    answers,
    sockets.length > 0 && `socket errors: ${sockets.map(([kind, n]) => `${kind} ${n}`).join(', ')}`,
    server.exit &&
      `${server.name} exited during the run (${server.exit}); its last output:\n    ` + [...server.stdout, ...server.stderr].join('\n    '),
  ].filter(Boolean);
  return {
    label,
    rps: result.rps,
    p50: result.p50Ms,
    p99: result.p99Ms,
    rssMb: usage.memory?.rssMb,
    peakRssMb: usage.memory?.peakMb,
    serverCpuPct: (usage.serverCpuSeconds / usage.wallSeconds) * 100,
    serverCpuUsPerReq: (usage.serverCpuSeconds * 1e6) / result.requests,
    clientCpuPct: (usage.clientCpuSeconds / usage.wallSeconds) * 100,
    machine: usage.machine,
    bytesPerResponse: result.bytes / result.requests,
    requests: result.requests,
    failures: failures.length > 0 ? failures.join(', ') : undefined,
  };
}

/** The line printed after each case, with the whole machine's load. */
export function logRow(row: LoadRow): void {
  console.log(
    `  ${fmt(row.rps, 0)} req/s, p50 ${fmt(row.p50, 2)} ms, p99 ${fmt(row.p99, 2)} ms, RSS ${fmt(row.rssMb, 0)} MB, ` +
      `CPU: server ${fmt(row.serverCpuPct, 0)}% (${fmt(row.serverCpuUsPerReq, 1)} µs/req), wrk ${fmt(row.clientCpuPct, 0)}%, ` +
      `machine busy ${fmt(row.machine?.busyPct, 0)}% of ${os.cpus().length * 100}% (softirq ${fmt(row.machine?.softirqPct, 0)}%)` +
      (row.failures ? ` — ${row.failures}` : ''),
  );
}

/**
 * One case over several rounds: the median of each figure (each figure's own median), and the
 * rounds themselves for the report.
 */
export function medianRow(rounds: LoadRow[]): LoadRow {
  const first = rounds[0];
  if (!first) throw new Error('medianRow: no rounds');
  const med = (pick: (row: LoadRow) => number | undefined) => median(rounds.map(pick).filter((v): v is number => v !== undefined));
  const failures = rounds.map((row, i) => row.failures && `round ${i + 1}: ${row.failures}`).filter(Boolean);
  return {
    label: first.label,
    rps: med((r) => r.rps),
    p50: med((r) => r.p50),
    p99: med((r) => r.p99),
    rssMb: rounds.at(-1)?.rssMb,
    peakRssMb: Math.max(...rounds.map((r) => r.peakRssMb ?? NaN)),
    serverCpuPct: med((r) => r.serverCpuPct),
    serverCpuUsPerReq: med((r) => r.serverCpuUsPerReq),
    clientCpuPct: med((r) => r.clientCpuPct),
    machine: first.machine && { busyPct: med((r) => r.machine?.busyPct), softirqPct: med((r) => r.machine?.softirqPct) },
    bytesPerResponse: med((r) => r.bytesPerResponse),
    requests: rounds.reduce((sum, r) => sum + r.requests, 0),
    failures: failures.length > 0 ? failures.join('; ') : undefined,
  };
}

/**
 * The cases' table: median req/s, latency, memory, CPU, and the ratios to `reference` (one of
 * `rows`, or a reference row given for each): req/s ÷ the reference's, and the reference's CPU per
 * request ÷ the case's (1 = as cheap as raw node:http).
 */
export function printLoadTable(rows: { row: LoadRow; reference: LoadRow }[], cpuDigits: number): void {
  const header = [
    'case',
    'req/s',
    'p50 ms',
    'p99 ms',
    'RSS MB (peak)',
    'server CPU',
    'CPU µs/req',
    'wrk CPU',
    'req/s ÷ ref',
    'ref CPU ÷ CPU',
  ];
  printTable(
    header,
    rows.map(({ row, reference }) => [
      row.label,
      fmt(row.rps, 0),
      fmt(row.p50, 2),
      fmt(row.p99, 2),
      `${fmt(row.rssMb, 0)} (${fmt(row.peakRssMb, 0)})`,
      `${fmt(row.serverCpuPct, 0)}%`,
      fmt(row.serverCpuUsPerReq, cpuDigits),
      `${fmt(row.clientCpuPct, 0)}%`,
      row === reference ? '1' : fmt(row.rps / reference.rps, 3),
      row === reference ? '1' : fmt(reference.serverCpuUsPerReq / row.serverCpuUsPerReq, 3),
    ]),
  );
}

/** Each round's req/s and CPU µs/req of every case, one line per case. */
export function printRounds(cases: LoadRow[][], cpuDigits: number): void {
  console.log('\nper round, req/s (server CPU µs/req):');
  for (const rounds of cases) {
    console.log(
      `  ${rounds[0]?.label ?? '?'}: ` + rounds.map((r) => `${fmt(r.rps, 0)} (${fmt(r.serverCpuUsPerReq, cpuDigits)})`).join(', '),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Report

/** How busy the machine was as a run began: the load average, and the whole machine's CPU over 2 s. */
export type Before = { load: string; busyPct: number | undefined };

export async function measureBefore(): Promise<Before> {
  const load = os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  return { load, busyPct: await machineBusyPct(2) };
}

/** The report's title, date and machine lines (and how busy the machine was before, if known). */
export function printHeader(title: string, before?: Before): void {
  const cpus = os.cpus();
  console.log(`\n## ${title}\n`);
  console.log(`date:     ${new Date().toISOString()}`);
  console.log(`machine:  ${cpus.length} cores, ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM`);
  if (before) {
    console.log(
      `before:   load average ${before.load}; the 2 s before the run the machine was ${fmt(before.busyPct, 0)}% busy (of ${cpus.length * 100}%)`,
    );
  }
}

/** The report's software line: Node and Next, and better-sqlite3 (with its SQLite) and wrk if asked. */
export function printSoftware(options: { sqlite?: boolean; wrk?: string }): void {
  const parts = [`Node ${process.version}`, `Next ${packageVersion('next')}`];
  if (options.sqlite) parts.push(`better-sqlite3 ${packageVersion('better-sqlite3')} (SQLite ${sqliteVersion()})`);
  if (options.wrk) parts.push(`${options.wrk} (its own process)`);
  console.log(`software: ${parts.join(', ')}`);
}

/** An installed package's version. */
export function packageVersion(pkg: string): string {
  const require = createRequire(import.meta.url);
  return (require(`${pkg}/package.json`) as { version: string }).version;
}

/** The SQLite library better-sqlite3 carries. */
export function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return String(db.prepare('select sqlite_version()').pluck().get());
  } finally {
    db.close();
  }
}

/** A Markdown table, the first column left-aligned, the others right-aligned. */
export function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => (line[i] ?? '').length)));
  const render = (cells: string[]) =>
    '| ' + cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ') + ' |';
  console.log(render(header));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const line of lines) console.log(render(line));
}

export function fmt(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** The nearest-rank percentile (0–100) of `values`. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

/** A whole-number setting from the environment (a size knob of a benchmark), at least `min`. */
export function readCount(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min}, not "${raw}"`);
  return value;
}

export function readSeconds(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`BENCH_SECONDS must be a positive number, not "${raw}"`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// A person on the platform and a steady reader of a blog

/** The rate of `startReader` (QUIRE_BENCH_READER_RPS, default 100 requests a second). */
export const READER_RPS = Number(process.env.QUIRE_BENCH_READER_RPS ?? 100);

export type Sample = { at: number; ms: number; status: number };

/** A session on the platform host, as the dashboard's scripts use it. */
export class Account {
  cookie = '';
  constructor(private readonly port: number) {}
  get origin() {
    return `http://localhost:${this.port}`;
  }
  async send(method: string, urlPath: string, body?: Buffer | unknown, type = 'application/json') {
    const raw = Buffer.isBuffer(body);
    const response = await fetch(`${this.origin}${urlPath}`, {
      method,
      headers: {
        origin: this.origin,
        cookie: this.cookie,
        ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : type }),
      },
      body: body === undefined ? undefined : raw ? new Uint8Array(body) : JSON.stringify(body),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await response.text();
    return { status: response.status, text };
  }
}

/** Reads one page at a steady rate until stopped, timing each answer. */
export function startReader(
  port: number,
  host: string,
  urlPath: string,
  rps = READER_RPS,
): { samples: Sample[]; stop: () => Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const one = () => {
    const start = performance.now();
    const done = new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { host }, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          samples.push({ at: start, ms: performance.now() - start, status: res.statusCode ?? 0 });
          resolve();
        });
      });
      req.on('error', () => {
        samples.push({ at: start, ms: performance.now() - start, status: 0 });
        resolve();
      });
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  const timer = setInterval(one, 1000 / rps);
  return {
    samples,
    stop: async () => {
      clearInterval(timer);
      await Promise.all(inFlight);
      agent.destroy();
    },
  };
}

/** A reader's requests, p50, p99, max (ms) and failures, as table cells. */
export function readerSummary(samples: Sample[]): string[] {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const failed = samples.filter((s) => s.status !== 200).length;
  return [String(samples.length), fmt(percentile(ms, 50), 1), fmt(percentile(ms, 99), 1), fmt(ms[ms.length - 1], 1), String(failed)];
}

/** The server's RSS in MB, sampled every `everyMs` until stopped. */
export function sampleRss(server: Server, everyMs: number): { values: number[]; stop: () => void } {
  const values: number[] = [];
  const timer = setInterval(() => {
    const memory = readMemory(server.proc.pid);
    if (memory) values.push(memory.rssMb);
  }, everyMs);
  return { values, stop: () => clearInterval(timer) };
}

/** A steady reader of `urlPath` (startReader), after 2 s of warm-up: the page in the cache, the connections open. */
export async function warmReader(port: number, host: string, urlPath: string): Promise<ReturnType<typeof startReader>> {
  const warm = startReader(port, host, urlPath);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await warm.stop();
  return startReader(port, host, urlPath);
}
