/**
 * bench:pages — how fast Quire serves a blog's public pages, against raw `node:http` serving the
 * same bytes in the same run (docs/architecture.md, "The front" and "Benchmarks").
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
 * Then the search case (bench/search-case.ts, its own process): p50/p99 of a rare and a very
 * common term on a blog of 10,000 posts, against ranking every match in the same run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';
import type { SearchFigures } from './search-case';
import {
  baseEnv,
  collectStderr,
  ensureBuild,
  fmt,
  generatedPost,
  loadRow,
  loadSettings,
  logRow,
  longPost,
  makeTmpDir,
  measureLoad,
  printHeader,
  printLoadTable,
  printSoftware,
  REPO_ROOT,
  runBench,
  startChild,
  startQuire,
  stop,
  type LoadRow,
  type Server,
} from './common';

const BLOG = 'bench';
const LONG_POST_TITLE = 'A long post';
const SHORT_POSTS = 10;
const { connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS } = loadSettings();

/** Goals from the issue: reported met/missed, never asserted. */
const TARGET_CACHED_RATIO = 0.5;
const TARGET_UNCACHED_RPS = 350;

async function main(): Promise<void> {
  const notes: string[] = [];
  ensureBuild(notes);

  const tmpDir = makeTmpDir('quire-bench-pages-');
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
  reportSearch(measureSearch());
}

/** The search case, alone in its own process (it sets its own data dir). */
function measureSearch(): SearchFigures {
  const output = execFileSync(process.execPath, ['--import', 'tsx', 'bench/search-case.ts'], {
    cwd: REPO_ROOT,
    env: baseEnv(),
    encoding: 'utf8',
    timeout: 600_000,
  });
  return JSON.parse(output.trim().split('\n').at(-1)!) as SearchFigures;
}

function reportSearch(figures: SearchFigures): void {
  console.log(
    `\nsearch (lib/search, in-process, page 1 of results with snippets; ${fmt(figures.posts, 0)} posts, ` +
      `${fmt(figures.fileMB, 0)} MB file, ${figures.runs} runs each after 10 warm-up runs):\n`,
  );
  console.log('  case                                   matches  order      p50 ms  p99 ms   baseline p50/p99 ms  ratio p50');
  for (const c of figures.cases) {
    console.log(
      `  ${c.label.padEnd(38)} ${fmt(c.matches, 0).padStart(7)}  ${c.order.padEnd(9)} ${fmt(c.p50Ms, 2).padStart(7)} ${fmt(c.p99Ms, 2).padStart(7)}` +
        `   ${`${fmt(c.baselineP50Ms, 2)} / ${fmt(c.baselineP99Ms, 2)}`.padStart(18)}  ${fmt(c.baselineP50Ms / c.p50Ms, 1).padStart(8)}×`,
    );
  }
  console.log('  baseline: one query that ranks every match by bm25 and builds a snippet for each before LIMIT 11 (same file, same run).');
}

// ---------------------------------------------------------------------------------------------
// Set-up

/** Creates the blog and its posts with the CLI; returns the long post's slug. */
function seed(dataDir: string): { slug: string; source: string } {
  quire(dataDir, ['blogs', 'create', BLOG, '--title', 'Bench']);

  const { file, source } = longPost(dataDir);
  const output = quire(dataDir, ['posts', 'add', BLOG, '--title', LONG_POST_TITLE, '--file', file]);
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

async function measure(label: string, server: Server, urlPath: string, host: string | undefined): Promise<LoadRow> {
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${server.port}${urlPath}`,
    connections: CONNECTIONS,
    headers: host ? { host } : {},
  };
  console.log(`${label}: ${WARMUP_SECONDS} s warm-up, ${SECONDS} s measured…`);
  await autocannon({ ...options, duration: WARMUP_SECONDS });
  const { result, usage } = await measureLoad(server, () => autocannon({ ...options, duration: SECONDS }));
  const row = loadRow(label, server, result, usage, result.non2xx > 0 && `${result.non2xx} non-2xx`);
  logRow(row);
  return row;
}

// ---------------------------------------------------------------------------------------------
// Report

type Results = { reference: LoadRow; cachedPost: LoadRow; cachedHome: LoadRow; uncachedPost: LoadRow; uncachedHome: LoadRow };

function report(results: Results, postSource: string, notes: string[]): void {
  const { reference, cachedPost, uncachedPost } = results;
  const rows = [reference, cachedPost, results.cachedHome, uncachedPost, results.uncachedHome];

  printHeader('bench:pages');
  printSoftware({ autocannon: true });
  console.log(`load:     ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per case, 127.0.0.1`);
  console.log(`post:     ${postSource}, plus ${SHORT_POSTS} short posts\n`);

  printLoadTable(rows, reference, 0);

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
      "near 100% the req/s there is the client's ceiling, and this ratio is the fairer one)",
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

/** A bound on the whole run: a possible build, start-ups, five measured cases, with slack. */
function deadlineMs(): number {
  return 600_000 + 5 * (WARMUP_SECONDS + SECONDS) * 2_000;
}

await runBench('bench:pages', { deadlineMs: deadlineMs() }, main);
