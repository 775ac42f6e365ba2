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
 *   loadSettings, measureLoad,      one autocannon case: its settings, server and client CPU around
 *   loadRow, logRow, printLoadTable it, its row
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
import type autocannon from 'autocannon';
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

/** The production server (`npm start`'s command: needs `next build`) on its own data dir. */
export function startQuire(
  name: string,
  dataDir: string,
  extraEnv: Record<string, string> = {},
  options: Omit<ChildOptions, 'envForPort'> = {},
): Promise<Server> {
  return startChild(
    name,
    ['--import', 'tsx', 'lib/server/main.ts'],
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

/** One HTTP request as autocannon 8's `requests` option takes it (and sendRequest sends it). */
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
  if (fs.existsSync(path.join(REPO_ROOT, '.next', 'BUILD_ID'))) return;
  console.log('No production build (.next/BUILD_ID is missing): running `npx next build` first.');
  execFileSync('npx', ['next', 'build'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    timeout: 600_000,
  });
  notes.push('There was no production build, so this run ran `npx next build` first.');
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
// One autocannon case

/** CPU and memory around one run of load: the server child's, this process's, the machine's. */
export type LoadUsage = {
  wallSeconds: number;
  serverCpuSeconds: number;
  clientCpuSeconds: number;
  machine: MachineCpu | undefined;
  memory: ReturnType<typeof readMemory>;
};

/**
 * The load every autocannon case uses (docs/architecture.md, "Benchmarks": 50 connections,
 * loopback): a 2 s warm-up, then BENCH_SECONDS (default 10) measured.
 */
export function loadSettings(): { connections: number; warmupSeconds: number; seconds: number } {
  return { connections: 50, warmupSeconds: 2, seconds: readSeconds(process.env.BENCH_SECONDS, 10) };
}

/** Runs `load` (an autocannon call) and reads the CPU time and memory it cost. */
export async function measureLoad(
  server: Server,
  load: () => Promise<autocannon.Result>,
): Promise<{ result: autocannon.Result; usage: LoadUsage }> {
  const serverCpuBefore = readCpuSeconds(server.proc.pid);
  const clientCpuBefore = process.cpuUsage();
  const machineBefore = readMachineTicks();
  const startedAt = performance.now();
  const result = await load();
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpuSeconds = (readCpuSeconds(server.proc.pid) ?? NaN) - (serverCpuBefore ?? NaN);
  const machineAfter = readMachineTicks();
  const memory = readMemory(server.proc.pid);
  return {
    result,
    usage: {
      wallSeconds,
      serverCpuSeconds,
      clientCpuSeconds: (clientCpu.user + clientCpu.system) / 1e6,
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

/** A case's row; `answers` is what the case calls a wrong answer (non-2xx, not 204, …), if any. */
export function loadRow(label: string, server: Server, result: autocannon.Result, usage: LoadUsage, answers: string | false): LoadRow {
  const failures = [
    answers,
    result.errors && `${result.errors} errors`,
    result.timeouts && `${result.timeouts} timeouts`,
    server.exit &&
      `${server.name} exited during the run (${server.exit}); its last output:\n    ` + [...server.stdout, ...server.stderr].join('\n    '),
  ].filter(Boolean);
  return {
    label,
    rps: result.requests.mean,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rssMb: usage.memory?.rssMb,
    peakRssMb: usage.memory?.peakMb,
    serverCpuPct: (usage.serverCpuSeconds / usage.wallSeconds) * 100,
    serverCpuUsPerReq: (usage.serverCpuSeconds * 1e6) / result.requests.total,
    clientCpuPct: (usage.clientCpuSeconds / usage.wallSeconds) * 100,
    machine: usage.machine,
    bytesPerResponse: result.throughput.total / result.requests.total,
    requests: result.requests.total,
    failures: failures.length > 0 ? failures.join(', ') : undefined,
  };
}

/** The line printed after each case; with `machine`, the whole machine's load too. */
export function logRow(row: LoadRow, machine = false): void {
  console.log(
    `  ${fmt(row.rps, 0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, RSS ${fmt(row.rssMb, 0)} MB, ` +
      `CPU: server ${fmt(row.serverCpuPct, 0)}%, autocannon ${fmt(row.clientCpuPct, 0)}%` +
      (machine
        ? `, machine busy ${fmt(row.machine?.busyPct, 0)}% of ${os.cpus().length * 100}% (softirq ${fmt(row.machine?.softirqPct, 0)}%)`
        : ''),
  );
}

/** The cases' table: req/s, latency, memory, CPU, and the ratio to `reference` (one of `rows`). */
export function printLoadTable(rows: LoadRow[], reference: LoadRow, cpuDigits: number): void {
  const header = ['case', 'req/s (mean)', 'p50 ms', 'p99 ms', 'RSS MB (peak)', 'server CPU', 'CPU µs/req', 'vs reference'];
  printTable(
    header,
    rows.map((row) => [
      row.label,
      fmt(row.rps, 0),
      String(row.p50),
      String(row.p99),
      `${fmt(row.rssMb, 0)} (${fmt(row.peakRssMb, 0)})`,
      `${fmt(row.serverCpuPct, 0)}%`,
      fmt(row.serverCpuUsPerReq, cpuDigits),
      fmt(row.rps / reference.rps, row === reference ? 2 : 3),
    ]),
  );
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

/** The report's software line: Node and Next, and better-sqlite3 (with its SQLite) and autocannon if asked. */
export function printSoftware(options: { sqlite?: boolean; autocannon?: boolean }): void {
  const parts = [`Node ${process.version}`, `Next ${packageVersion('next')}`];
  if (options.sqlite) parts.push(`better-sqlite3 ${packageVersion('better-sqlite3')} (SQLite ${sqliteVersion()})`);
  if (options.autocannon) parts.push(`autocannon ${packageVersion('autocannon')} (in this process)`);
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
