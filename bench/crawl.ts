/**
 * bench:crawl — a crawler reads every page of every blog twice (docs/architecture.md, "Page
 * cache"): are pages rendered once per change, or once per eviction from memory?
 *
 * Seeds BLOGS (default 10,000; BENCH_CRAWL_BLOGS) blogs of 5 posts (a generated 600-word post)
 * through lib/testing/seed-blogs.ts, starts the production server with its defaults (64 MB in
 * memory, the disk store in data/cache), then with wrk (Debian's; 2 threads, 50 connections,
 * `Accept-Encoding: gzip, deflate, br` and a crawler's User-Agent as search engines send):
 *   pass 1   every blog's home page and posts once, in random order
 *   pass 2   all of them again, in another random order
 *   raw      bench/reference-server.mjs serving one of those pages' bytes to the same requests
 * and reports for each pass: req/s, p50/p99, renders (page-cache misses), pages served without
 * a render, answers from disk, server CPU µs per request, and the server's RSS (and peak).
 * Goals (reported, never asserted): pass 2 ≥ 95% without a render, ≥ 0.5 of raw by req/s,
 * RSS < 400 MB.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  ensureBuild,
  fmt,
  generatedPost,
  health,
  makeTmpDir,
  printHeader,
  printTable,
  readCount,
  readCpuSeconds,
  readMemory,
  REPO_ROOT,
  runBench,
  seedBlogs,
  startChild,
  startQuire,
  stop,
  type Server,
} from './common';

const BLOGS = readCount('BENCH_CRAWL_BLOGS', 10_000, 2);
const POSTS = 5;
const THREADS = 2;
const CONNECTIONS = 50;
const CRAWLER_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const TARGET_WITHOUT_RENDER = 0.95;
const TARGET_RATIO = 0.5;
const TARGET_RSS_MB = 400;

type Pass = {
  label: string;
  requests: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  badStatus: number;
  socketErrors: number;
  renders?: number;
  diskHits?: number;
  cpuUsPerRequest?: number;
  rssMb?: number;
  peakMb?: number;
};

/**
 * Reads `host path` lines round-robin between wrk's threads; each thread stops after its share
 * and notes its first and last instant (ns), read in done(). wrk itself runs until stopped.
 */
const WRK_SCRIPT = `
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
local function now_ns()
  local pipe = io.popen("date +%s%N")
  local value = pipe:read("*n")
  pipe:close()
  return value
end
function init(args)
  lines = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % tonumber(args[2]) == id then
      local host, path = line:match("^(%S+) (%S+)$")
      table.insert(lines, wrk.format("GET", path, { Host = host, ["Accept-Encoding"] = "gzip, deflate, br", ["User-Agent"] = args[3] }))
    end
    i = i + 1
  end
  sent, answered, started, finished = 0, 0, now_ns(), 0
  done_file = args[4] .. "." .. id
  idle = wrk.format("GET", "/favicon.ico", { Host = args[5] })
end
function request()
  sent = sent + 1
  -- Past its share, until it is stopped: a request the front answers at once (a 308), which
  -- reaches no blog and no cache.
  return lines[sent] or idle
end
function response(status, headers, body)
  answered = answered + 1
  if answered == #lines then
    finished = now_ns()
    local f = io.open(done_file, "w")
    f:write("done")
    f:close()
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  local first, last, answers = nil, 0, 0
  for _, thread in ipairs(threads) do
    local s, f = thread:get("started"), thread:get("finished")
    if first == nil or s < first then first = s end
    if f > last then last = f end
    answers = answers + thread:get("answered")
  end
  io.write(string.format('RESULT {"answered":%d,"seconds":%f,"p50":%d,"p99":%d,"status":%d,"socket":%d}\\n',
    answers, (last - first) / 1e9, latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`;

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** wrk over every line of `list` once; stopped (SIGINT) when each thread has written its done file. */
async function crawl(label: string, port: number, list: string, dir: string, server?: Server): Promise<Pass> {
  const scriptFile = path.join(dir, 'crawl.lua');
  fs.writeFileSync(scriptFile, WRK_SCRIPT);
  const doneBase = path.join(dir, `done-${label.replace(/\W/g, '')}`);
  const cpuBefore = readCpuSeconds(server?.proc.pid);
  const before = server ? await health(server) : undefined;
  const wrk = spawn(
    'wrk',
    [
      `-t${THREADS}`,
      `-c${CONNECTIONS}`,
      '-d3600s',
      '--timeout',
      '30s',
      '-s',
      scriptFile,
      `http://127.0.0.1:${port}/`,
      '--',
      list,
      String(THREADS),
      CRAWLER_UA,
      doneBase,
      `localhost:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  wrk.stdout.setEncoding('utf8');
  wrk.stdout.on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => wrk.once('exit', () => resolve()));
  const allDone = () => Array.from({ length: THREADS }, (_, i) => fs.existsSync(`${doneBase}.${i}`)).every(Boolean);
  while (!allDone() && wrk.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
  const cpuAfter = readCpuSeconds(server?.proc.pid);
  wrk.kill('SIGINT');
  await exited;
  const line = /RESULT (\{.*\})/.exec(output)?.[1];
  if (!line) throw new Error(`wrk gave no result for ${label}:\n${output}`);
  const result = JSON.parse(line) as { answered: number; seconds: number; p50: number; p99: number; status: number; socket: number };
  const after = server ? await health(server) : undefined;
  const memory = readMemory(server?.proc.pid);
  const pass: Pass = {
    label,
    requests: result.answered,
    seconds: result.seconds,
    p50Ms: result.p50 / 1000,
    p99Ms: result.p99 / 1000,
    badStatus: result.status,
    socketErrors: result.socket,
    rssMb: memory?.rssMb,
    peakMb: memory?.peakMb,
  };
  if (before?.pageCache && after?.pageCache) {
    pass.renders = after.pageCache.misses - before.pageCache.misses;
    pass.diskHits = after.pageCache.diskHits - before.pageCache.diskHits;
  }
  if (cpuBefore !== undefined && cpuAfter !== undefined) pass.cpuUsPerRequest = ((cpuAfter - cpuBefore) * 1e6) / result.answered;
  console.log(`  ${label}: ${result.answered} requests in ${result.seconds.toFixed(1)} s`);
  return pass;
}

/** One page's bytes as the crawler gets them (brotli), for the raw reference to serve. */
function fetchPage(port: number, host: string, urlPath: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, headers: { host, 'accept-encoding': 'gzip, deflate, br' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      })
      .on('error', reject);
  });
}

await runBench('bench:crawl', { deadlineMs: 3 * 60 * 60 * 1000 }, async () => {
  const notes: string[] = [];
  ensureBuild(notes);
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    // wrk prints its usage and exits 1 for --version; only a missing binary is a problem.
    if ((error as { code?: string }).code === 'ENOENT') throw new Error('wrk is not installed: apt-get install wrk');
  }
  printHeader(`bench:crawl — ${BLOGS.toLocaleString('en')} blogs × ${POSTS} posts, every page twice`);
  const dir = makeTmpDir('quire-bench-crawl-');
  const dataDir = path.join(dir, 'data');
  const postFile = path.join(dir, 'post.md');
  fs.writeFileSync(postFile, generatedPost(600, 7));
  console.log(`seeding ${BLOGS} blogs…`);
  const seedMs = seedBlogs(dataDir, BLOGS, POSTS, postFile, 60 * 60 * 1000);
  console.log(`  seeded in ${(seedMs / 1000).toFixed(0)} s`);

  const server = await startQuire('quire', dataDir);
  const urls: string[] = [];
  for (let b = 0; b < BLOGS; b++) {
    const host = `blog${b}.localhost:${server.port}`;
    urls.push(`${host} /`);
    for (let p = 1; p <= POSTS; p++) urls.push(`${host} /posts/post-${p}`);
  }
  const firstList = path.join(dir, 'pass1.txt');
  const secondList = path.join(dir, 'pass2.txt');
  fs.writeFileSync(firstList, shuffled(urls, 1).join('\n') + '\n');
  fs.writeFileSync(secondList, shuffled(urls, 2).join('\n') + '\n');

  const first = await crawl('pass 1', server.port, firstList, dir, server);
  const second = await crawl('pass 2', server.port, secondList, dir, server);
  const stats = await health(server);
  const sample = await fetchPage(server.port, `blog0.localhost:${server.port}`, '/posts/post-1');
  await stop(server);

  const bodyFile = path.join(dir, 'page.br');
  fs.writeFileSync(bodyFile, sample);
  const reference = await startChild(
    'reference',
    [path.join(REPO_ROOT, 'bench', 'reference-server.mjs'), bodyFile],
    {},
    /reference server on port/,
  );
  const raw = await crawl('raw', reference.port, secondList, dir, reference);
  await stop(reference);

  const rate = (pass: Pass) => pass.requests / pass.seconds;
  printTable(
    [
      'case',
      'requests',
      'req/s',
      '× raw',
      'p50 ms',
      'p99 ms',
      'rendered',
      'without render',
      'from disk',
      'CPU µs/req',
      'RSS MB (peak)',
      'bad',
    ],
    [first, second, raw].map((pass) => [
      pass.label,
      String(pass.requests),
      fmt(rate(pass), 0),
      fmt(rate(pass) / rate(raw), 2),
      fmt(pass.p50Ms, 1),
      fmt(pass.p99Ms, 1),
      pass.renders === undefined ? '' : String(pass.renders),
      pass.renders === undefined ? '' : `${(100 * (1 - pass.renders / pass.requests)).toFixed(1)}%`,
      pass.diskHits === undefined ? '' : String(pass.diskHits),
      fmt(pass.cpuUsPerRequest, 0),
      pass.rssMb === undefined ? '' : `${fmt(pass.rssMb, 0)} (${fmt(pass.peakMb, 0)})`,
      String(pass.badStatus + pass.socketErrors),
    ]),
  );
  const withoutRender = second.renders === undefined ? undefined : 1 - second.renders / second.requests;
  console.log(`\nraw reference: one ${sample.length}-byte page (brotli), node:http, same requests as pass 2`);
  console.log(`disk store at the end: ${JSON.stringify(stats?.pageCache?.disk ?? null)}`);
  console.log(`server memory at the end (MiB): ${JSON.stringify(stats?.memory ?? null)}, open blog handles: ${stats?.openHandles}`);
  console.log(
    `goals: pass 2 without a render ≥ ${TARGET_WITHOUT_RENDER * 100}%: ${withoutRender === undefined ? '?' : (withoutRender * 100).toFixed(1) + '%'}`,
  );
  console.log(`       pass 2 ≥ ${TARGET_RATIO} of raw: ${fmt(rate(second) / rate(raw), 2)}`);
  console.log(`       RSS < ${TARGET_RSS_MB} MB: ${fmt(second.rssMb, 0)} MB now, ${fmt(second.peakMb, 0)} MB peak`);
  for (const note of notes) console.log(`note: ${note}`);
});
