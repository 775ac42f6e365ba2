/**
 * bench:pages — how fast Quire serves a blog's public pages, against raw `node:http` serving the
 * same bytes in the same run (DESIGN, "The front" and "Benchmarks").
 *
 * One run seeds a throw-away data dir through the `quire` CLI (the 1,500-word post plus ten short
 * ones), starts the production server (needs `next build`), and measures with autocannon
 * (50 connections, BENCH_SECONDS each after a 2 s warm-up, loopback only):
 *   reference            raw node:http serving the post's HTML from memory (separate process)
 *   post, cached         /posts/<slug> answered by the front's page cache
 *   home, cached         /
 *   post, uncached       a second server with QUIRE_PAGE_CACHE_MB=0: every request renders in Next
 *   home, uncached
 * and prints req/s, p50/p99 latency, the server's RSS and the ratio to the reference.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED_POST = path.resolve(REPO_ROOT, '..', 'shared', 'bench', 'post-1500w.md');
const BLOG = 'bench';
const LONG_POST_TITLE = 'A long post';
const SHORT_POSTS = 10;
const CONNECTIONS = 50;
const WARMUP_SECONDS = 2;
const SECONDS = readSeconds(process.env.BENCH_SECONDS, 10);
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;

/** Goals from the issue: reported met/missed, never asserted. */
const TARGET_CACHED_RATIO = 0.5;
const TARGET_UNCACHED_RPS = 350;

type Server = {
  name: string;
  proc: ChildProcess;
  port: number;
  /** The last lines the process wrote to stderr and stdout, for the report. */
  stderr: string[];
  stderrLines: number;
  stdout: string[];
  /** Set when the process has exited: its code or signal. */
  exit?: string;
};

type Row = {
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
  bytesPerResponse: number;
  requests: number;
  failures: string | undefined;
};

const running = new Set<Server>();
let tmpDir: string | undefined;

async function main(): Promise<void> {
  const watchdog = setTimeout(() => void abort('took too long; giving up'), deadlineMs());
  watchdog.unref();
  process.on('SIGINT', () => void abort('interrupted'));
  process.on('SIGTERM', () => void abort('terminated'));

  const notes: string[] = [];
  ensureBuild(notes);

  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-bench-pages-'));
  const postSource = seed(tmpDir);
  const postSlug = postSource.slug;
  const postPath = `/posts/${postSlug}`;

  // Cached server: prime the cache, keep the exact bytes it serves for the reference.
  const cached = await startQuire('quire', tmpDir, {});
  const host = `${BLOG}.localhost:${cached.port}`;
  const postBody = await primePage(cached, host, postPath, notes);
  await primePage(cached, host, '/', notes);
  const bodyFile = path.join(tmpDir, 'post-page.html');
  fs.writeFileSync(bodyFile, postBody);

  const reference = await startChild('reference', ['bench/reference-server.mjs', bodyFile], {}, /reference server on port/);
  const referenceRow = await measure('reference: raw node:http, same bytes', reference, '/', undefined);
  collectStderr(reference, notes);
  await stop(reference);
  const cachedPost = await measure(`post page, cached (${postPath})`, cached, postPath, host);
  const cachedHome = await measure('home page, cached (/)', cached, '/', host);
  collectStderr(cached, notes);
  await stop(cached);

  // Uncached server, alone on the machine: every request is a Next render.
  const uncached = await startQuire('quire (cache off)', tmpDir, { QUIRE_PAGE_CACHE_MB: '0' });
  const uncachedHost = `${BLOG}.localhost:${uncached.port}`;
  await probeUncached(uncached, uncachedHost, postPath, notes);
  await probeUncached(uncached, uncachedHost, '/', notes);
  const uncachedPost = await measure(`post page, uncached (${postPath})`, uncached, postPath, uncachedHost);
  const uncachedHome = await measure('home page, uncached (/)', uncached, '/', uncachedHost);
  collectStderr(uncached, notes);
  await stop(uncached);

  report({ reference: referenceRow, cachedPost, cachedHome, uncachedPost, uncachedHome }, postSource.source, notes);
}

// ---------------------------------------------------------------------------------------------
// Set-up

function ensureBuild(notes: string[]): void {
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

/** Creates the blog and its posts with the CLI; returns the long post's slug. */
function seed(dataDir: string): { slug: string; source: string } {
  quire(dataDir, ['blogs', 'create', BLOG, '--title', 'Bench']);

  let output: string;
  let source: string;
  if (fs.existsSync(SHARED_POST)) {
    output = quire(dataDir, ['posts', 'add', BLOG, '--title', LONG_POST_TITLE, '--file', SHARED_POST]);
    source = path.relative(REPO_ROOT, SHARED_POST);
  } else {
    output = quire(dataDir, ['posts', 'add', BLOG, '--title', LONG_POST_TITLE], generatedPost(1500));
    source = 'a generated 1,500-word post (../shared/bench/post-1500w.md is absent)';
  }
  const slug = /\/posts\/([a-z0-9-]+)\s*$/m.exec(output)?.[1];
  if (!slug) throw new Error(`Could not read the post's slug from the CLI's output: ${output.trim()}`);

  for (let i = 1; i <= SHORT_POSTS; i++) {
    quire(dataDir, ['posts', 'add', BLOG, '--title', `Short post ${i}`], generatedPost(80, i));
  }
  return { slug, source };
}

function quire(dataDir: string, args: string[], input?: string): string {
  return execFileSync(process.execPath, ['bin/quire.mjs', ...args], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), QUIRE_DATA_DIR: dataDir },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
}

/** Deterministic Markdown of about `words` words: headings, paragraphs, a list, a code block. */
function generatedPost(words: number, seedValue = 0): string {
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

// ---------------------------------------------------------------------------------------------
// Child processes

function startQuire(name: string, dataDir: string, extraEnv: Record<string, string>): Promise<Server> {
  return startChild(
    name,
    ['--import', 'tsx', 'lib/server/main.ts'],
    { NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', QUIRE_DATA_DIR: dataDir, ...extraEnv },
    /production server on port/,
    (port) => ({ QUIRE_ROOT_DOMAIN: `localhost:${port}` }),
  );
}

async function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
  envForPort: (port: number) => Record<string, string> = () => ({}),
): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), ...env, PORT: String(port), ...envForPort(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server: Server = { name, proc, port, stderr: [], stderrLines: 0, stdout: [] };
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

async function stop(server: Server): Promise<void> {
  const { proc } = server;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  running.delete(server);
}

async function abort(why: string): Promise<void> {
  console.error(`bench:pages: ${why}`);
  await Promise.all([...running].map((server) => stop(server)));
  removeTmp();
  process.exit(1);
}

function removeTmp(): void {
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}

function collectStderr(server: Server, notes: string[]): void {
  if (server.stderrLines === 0) return;
  notes.push(
    `${server.name} wrote ${server.stderrLines} line(s) to stderr; the last:\n    ` + server.stderr.join('\n    '),
  );
}

/** The environment children inherit, without any QUIRE_* setting of the caller's. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('QUIRE_')) delete env[key];
  return env;
}

function freePort(): Promise<number> {
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

// ---------------------------------------------------------------------------------------------
// Requests

type Response = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

/** One plain GET (no Accept-Encoding, as autocannon sends none): the bytes exactly as served. */
function get(port: number, host: string, urlPath: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: { host }, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath}: timed out`)));
    req.on('error', reject);
  });
}

/** Renders the page once (a miss), then checks the next request is a cache hit with the same bytes. */
async function primePage(server: Server, host: string, urlPath: string, notes: string[]): Promise<Buffer> {
  const first = await get(server.port, host, urlPath);
  if (first.status !== 200) throw new Error(`GET ${urlPath} on ${host} answered ${first.status}`);
  const probe = await get(server.port, host, urlPath);
  const state = probe.headers['x-quire-cache'];
  if (probe.status !== 200) throw new Error(`second GET ${urlPath} answered ${probe.status}`);
  if (state !== 'hit') notes.push(`Probe of ${urlPath} on the cached server: X-Quire-Cache is "${state ?? 'absent'}", not "hit".`);
  else console.log(`probe ${urlPath}: 200, X-Quire-Cache: hit, ${probe.body.length} bytes`);
  if (!probe.body.equals(first.body)) {
    notes.push(`${urlPath}: the cached body (${probe.body.length} B) differs from the rendered one (${first.body.length} B).`);
  }
  return probe.body;
}

async function probeUncached(server: Server, host: string, urlPath: string, notes: string[]): Promise<void> {
  const res = await get(server.port, host, urlPath);
  if (res.status !== 200) throw new Error(`GET ${urlPath} on the uncached server answered ${res.status}`);
  const state = res.headers['x-quire-cache'];
  if (state !== undefined) notes.push(`Uncached server answered ${urlPath} with X-Quire-Cache: ${String(state)}.`);
  else console.log(`probe ${urlPath} (cache off): 200, no X-Quire-Cache header, ${res.body.length} bytes`);
}

async function measure(label: string, server: Server, urlPath: string, host: string | undefined): Promise<Row> {
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${server.port}${urlPath}`,
    connections: CONNECTIONS,
    headers: host ? { host } : {},
  };
  console.log(`${label}: ${WARMUP_SECONDS} s warm-up, ${SECONDS} s measured…`);
  await autocannon({ ...options, duration: WARMUP_SECONDS });
  const serverCpuBefore = readCpuSeconds(server.proc.pid);
  const clientCpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const result = await autocannon({ ...options, duration: SECONDS });
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpu = (readCpuSeconds(server.proc.pid) ?? NaN) - (serverCpuBefore ?? NaN);
  const memory = readMemory(server.proc.pid);

  const failures = [
    result.non2xx && `${result.non2xx} non-2xx`,
    result.errors && `${result.errors} errors`,
    result.timeouts && `${result.timeouts} timeouts`,
    server.exit &&
      `${server.name} exited during the run (${server.exit}); its last output:\n    ` +
        [...server.stdout, ...server.stderr].join('\n    '),
  ].filter(Boolean);
  const row: Row = {
    label,
    rps: result.requests.mean,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rssMb: memory?.rssMb,
    peakRssMb: memory?.peakMb,
    serverCpuPct: (serverCpu / wallSeconds) * 100,
    serverCpuUsPerReq: (serverCpu * 1e6) / result.requests.total,
    clientCpuPct: ((clientCpu.user + clientCpu.system) / 1e6 / wallSeconds) * 100,
    bytesPerResponse: result.throughput.total / result.requests.total,
    requests: result.requests.total,
    failures: failures.length > 0 ? failures.join(', ') : undefined,
  };
  console.log(
    `  ${fmt(row.rps, 0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, RSS ${fmt(row.rssMb, 0)} MB, ` +
      `CPU: server ${fmt(row.serverCpuPct, 0)}%, autocannon ${fmt(row.clientCpuPct, 0)}%`,
  );
  return row;
}

/** User + system CPU time a process has used so far, in seconds; undefined off Linux. */
function readCpuSeconds(pid: number | undefined): number | undefined {
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
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** VmRSS (now) and VmHWM (peak) of a process, in MB; undefined off Linux. */
function readMemory(pid: number | undefined): { rssMb: number; peakMb: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Report

type Results = { reference: Row; cachedPost: Row; cachedHome: Row; uncachedPost: Row; uncachedHome: Row };

function report(results: Results, postSource: string, notes: string[]): void {
  const { reference, cachedPost, uncachedPost } = results;
  const rows = [reference, cachedPost, results.cachedHome, uncachedPost, results.uncachedHome];
  const require = createRequire(import.meta.url);
  const version = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version;
  const cpus = os.cpus();

  console.log('\n## bench:pages\n');
  console.log(`date:     ${new Date().toISOString()}`);
  console.log(`machine:  ${cpus.length} cores, ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM`);
  console.log(`software: Node ${process.version}, Next ${version('next')}, autocannon ${version('autocannon')} (in this process)`);
  console.log(`load:     ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per case, 127.0.0.1`);
  console.log(`post:     ${postSource}, plus ${SHORT_POSTS} short posts\n`);

  const header = ['case', 'req/s (mean)', 'p50 ms', 'p99 ms', 'RSS MB (peak)', 'server CPU', 'CPU µs/req', 'vs reference'];
  const lines = rows.map((row) => [
    row.label,
    fmt(row.rps, 0),
    String(row.p50),
    String(row.p99),
    `${fmt(row.rssMb, 0)} (${fmt(row.peakRssMb, 0)})`,
    `${fmt(row.serverCpuPct, 0)}%`,
    fmt(row.serverCpuUsPerReq, 0),
    fmt(row.rps / reference.rps, row === reference ? 2 : 3),
  ]);
  printTable(header, lines);

  const cachedRatio = cachedPost.rps / reference.rps;
  console.log('\ntargets (from the issue; goals, not assertions):');
  console.log(
    `  cached post page >= ${TARGET_CACHED_RATIO * 100}% of the reference: ` +
      `${fmt(cachedRatio * 100, 1)}% -> ${cachedRatio >= TARGET_CACHED_RATIO ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `  uncached post page >= ${TARGET_UNCACHED_RPS} req/s: ${fmt(uncachedPost.rps, 0)} req/s ` +
      `(${fmt((uncachedPost.rps / reference.rps) * 100, 2)}% of the reference) -> ` +
      `${uncachedPost.rps >= TARGET_UNCACHED_RPS ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `  server CPU per request, reference ÷ cached post: ${fmt(reference.serverCpuUsPerReq, 0)} ÷ ` +
      `${fmt(cachedPost.serverCpuUsPerReq, 0)} µs = ${fmt(reference.serverCpuUsPerReq / cachedPost.serverCpuUsPerReq, 2)} ` +
      `(autocannon used ${fmt(reference.clientCpuPct, 0)}% / ${fmt(cachedPost.clientCpuPct, 0)}% of a core: ` +
      'near 100% the req/s there is the client\'s ceiling, and this ratio is the fairer one)',
  );

  console.log(
    '\nRSS is VmRSS after the case (peak: VmHWM). Server CPU is user+system time over the measured seconds ' +
      '(100% = one core); CPU µs/req is that time per request.',
  );
  console.log(
    'autocannon CPU (same core budget): ' +
      rows.map((row) => `${fmt(row.clientCpuPct, 0)}%`).join(', ') +
      '. Bytes per response, headers included: ' +
      rows.map((row) => fmt(row.bytesPerResponse, 0)).join(', ') +
      ' (in table order).',
  );
  for (const row of rows) if (row.failures) notes.push(`${row.label}: ${row.failures} (of ${row.requests}).`);
  if (notes.length > 0) console.log('\nnotes:\n' + notes.map((note) => `  - ${note}`).join('\n'));
}

function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => (line[i] ?? '').length)));
  const render = (cells: string[]) =>
    '| ' + cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ') + ' |';
  console.log(render(header));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const line of lines) console.log(render(line));
}

function fmt(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function readSeconds(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`BENCH_SECONDS must be a positive number, not "${raw}"`);
  return value;
}

/** A bound on the whole run: a possible build, start-ups, five measured cases, with slack. */
function deadlineMs(): number {
  return 600_000 + 5 * (WARMUP_SECONDS + SECONDS) * 2_000;
}

try {
  await main();
} catch (error) {
  console.error(`bench:pages failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await Promise.all([...running].map((server) => stop(server)));
  removeTmp();
}
