/**
 * `npm run bench:isolation`: can one signed-up stranger stall every other blog?
 *
 * A reader reads another blog's cached post at a steady rate (QUIRE_BENCH_READER_RPS, default
 * 100/s, keep-alive: a client far from being the bottleneck) for a quiet phase, then while one
 * account sends, one after another:
 *   1. a 200,000-character pathological preview (mixed emphasis delimiters),
 *   2. a save of it,
 *   3. an anonymous 5,000-character pathological comment,
 *   4. a blog file at an older schema whose CHECK expression is expensive,
 *   5. a zip whose single entry inflates to 300 MB while declaring 1,000 bytes.
 * The sequence is sent QUIRE_BENCH_ROUNDS times (default 5); QUIRE_BENCH_ONLY=<words> sends
 * only the requests whose name contains them. Prints the reader's p50/p99/max
 * before and during the attack, the server's RSS before and at its peak, and what each hostile
 * request got and how long it took.
 *
 * Goals (issue 12): reader p99 during ≤ 2× before, max < 250 ms; RSS growth < 100 MB; each
 * hostile request refused or finished, with a clear message, within 10 s.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { zipOf } from '@/lib/testing/zip';
import {
  ensureBuild,
  fmt,
  makeTmpDir,
  measureBefore,
  percentile,
  printHeader,
  printSoftware,
  printTable,
  sampleRss,
  READER_RPS,
  runBench,
  Account,
  warmReader,
  readerSummary,
  startQuire,
  stop,
  type Server,
} from './common';

/** The attack is sent this many times over, so the reader's p99 rests on enough samples. */
const ROUNDS = Number(process.env.QUIRE_BENCH_ROUNDS ?? 5);
/** Only the hostile requests whose name contains this (to see which one costs the reader what). */
const ONLY = process.env.QUIRE_BENCH_ONLY;
const QUIET_MS = 5_000;
const SETTLE_MS = 2_000;
const PASSWORD = 'a long enough passphrase';
const PATHOLOGICAL = '*a **b _c ~~d';

/** A reader's comment as the form under a post sends it (fetch cannot set Host). */
function postComment(port: number, blogHost: string, body: string): Promise<{ status: number; text: string }> {
  const form = new URLSearchParams({ post: 'bait', name: 'Mallory', body }).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/comments',
        method: 'POST',
        agent: false,
        headers: {
          host: blogHost,
          origin: `http://${blogHost}`,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(form)),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}

/** A blog file from the platform's own export, with `settings` rebuilt around an expensive CHECK. */
async function hostileBlogFile(account: Account, dir: string): Promise<Buffer> {
  const response = await fetch(`${account.origin}/api/blogs/attacker/export`, { headers: { cookie: account.cookie } });
  const file = path.join(dir, 'hostile.db');
  fs.writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  const db = new Database(file);
  db.exec(`
    pragma ignore_check_constraints = on;
    create table settings_new (key text primary key, value text not null check (length(printf('%.*c', 200000000, 'x')) > 0));
    insert into settings_new select * from settings;
    drop table settings; alter table settings_new rename to settings;
    with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000) insert into settings (key, value) select 'k' || i, 'v' from n;
    pragma user_version = 4;`);
  db.close();
  return fs.readFileSync(file);
}

/** A zip whose one entry inflates to 300 MB while its headers say 1,000 bytes. */
async function lyingZip(): Promise<Buffer> {
  const zip = await zipOf([['posts/bomb.md', Buffer.alloc(300 * 1024 * 1024, 'a')]]);
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt32LE(1000, central + 24);
  zip.writeUInt32LE(1000, zip.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04])) + 22);
  return zip;
}

await runBench('bench:isolation', { deadlineMs: 10 * 60_000 }, async () => {
  const notes: string[] = [];
  ensureBuild(notes);
  const before = await measureBefore();
  const dir = makeTmpDir('quire-bench-isolation-');
  const dataDir = path.join(dir, 'data');
  const server: Server = await startQuire('quire', dataDir, { QUIRE_PV_FLUSH_MS: '1000' });
  const host = (blog: string) => `${blog}.localhost:${server.port}`;

  const reader = new Account(server.port);
  await reader.send('POST', '/api/auth/signup', {
    email: 'reader@example.com',
    password: PASSWORD,
    blog: { slug: 'quiet', title: 'Quiet' },
  });
  await reader.send('POST', '/api/blogs/quiet/posts', {
    title: 'Calm',
    markdown: fs.readFileSync(path.join('bench', 'isolation.ts'), 'utf8').slice(0, 20_000),
    action: 'publish',
  });
  const attacker = new Account(server.port);
  await attacker.send('POST', '/api/auth/signup', {
    email: 'mallory@example.com',
    password: PASSWORD,
    blog: { slug: 'attacker', title: 'Attacker' },
  });
  await attacker.send('POST', '/api/blogs/attacker/posts', { title: 'Bait', markdown: 'Comment here.', action: 'publish' });
  await attacker.send('PUT', '/api/blogs/attacker/settings', {
    title: 'Attacker',
    description: '',
    authorName: '',
    postsPerPage: 10,
    comments: 'auto',
  });
  const blogFile = await hostileBlogFile(attacker, dir);
  const bomb = await lyingZip();
  const hostileText = PATHOLOGICAL.repeat(Math.floor(200_000 / PATHOLOGICAL.length));

  const rss = sampleRss(server, 50);
  // Warm: the page in the cache, the connections open.
  const stream = await warmReader(server.port, host('quiet'), '/posts/calm');
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  const attackStart = performance.now();
  const rssBefore = Math.max(...rss.values);

  const attacks: [string, () => Promise<{ status: number; text: string }>][] = [
    ['preview, 200,000 pathological characters', () => attacker.send('POST', '/api/blogs/attacker/preview', { markdown: hostileText })],
    [
      'save of it',
      () => attacker.send('POST', '/api/blogs/attacker/posts', { title: 'Hostile', markdown: hostileText, action: 'publish' }),
    ],
    ['anonymous comment, 5,000 pathological characters', () => postComment(server.port, host('attacker'), hostileText.slice(0, 5000))],
    ['older-schema blog file, expensive CHECK', () => attacker.send('POST', '/api/blogs/attacker/import', blogFile)],
    ['zip, one entry inflating to 300 MB (declares 1,000 B)', () => attacker.send('POST', '/api/blogs/attacker/import', bomb)],
  ];
  const results = new Map<string, { status: Set<number>; ms: number[]; peakMb: number; said: string }>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, send] of attacks) {
      if (ONLY && !name.includes(ONLY)) continue;
      const start = performance.now();
      const reply = await send();
      const ms = performance.now() - start;
      let said = reply.text.slice(0, 90);
      try {
        const json = JSON.parse(reply.text) as { error?: string; html?: string };
        said = json.error ?? (json.html !== undefined ? `rendered (${json.html.length.toLocaleString('en')} B of HTML)` : said);
      } catch {
        /* not JSON */
      }
      const row = results.get(name) ?? { status: new Set<number>(), ms: [], peakMb: 0, said };
      row.status.add(reply.status);
      row.ms.push(ms);
      row.peakMb = Math.max(...rss.values);
      results.set(name, row);
    }
  }
  const attackEnd = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  await stream.stop();
  rss.stop();
  const rssPeak = Math.max(...rss.values);
  await stop(server);

  printHeader('bench:isolation — one stranger against every other blog', before);
  printSoftware({ sqlite: true });
  console.log(
    `reader:   GET /posts/calm on another blog, ${READER_RPS}/s (keep-alive), quiet ${QUIET_MS / 1000} s, then during the attack (sent ${ROUNDS} times over)\n`,
  );
  const quiet = stream.samples.filter((s) => s.at < attackStart);
  const during = stream.samples.filter((s) => s.at >= attackStart && s.at <= attackEnd);
  printTable(
    ['reader', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'failed'],
    [
      ['before the attack', ...readerSummary(quiet)],
      ['during the attack', ...readerSummary(during)],
    ],
  );
  console.log('');
  printTable(
    ['hostile request', 'status', 'ms (median)', 'ms (max)', 'RSS peak so far, MB', 'answer'],
    [...results].map(([name, r]) => [
      name,
      [...r.status].join(', '),
      fmt(
        percentile(
          [...r.ms].sort((a, b) => a - b),
          50,
        ),
        0,
      ),
      fmt(Math.max(...r.ms), 0),
      fmt(r.peakMb, 0),
      r.said.replace(/\|/g, '\\|'),
    ]),
  );
  console.log(`\nserver RSS: ${fmt(rssBefore, 0)} MB before, ${fmt(rssPeak, 0)} MB peak (growth ${fmt(rssPeak - rssBefore, 0)} MB)`);
  for (const note of notes) console.log(`note: ${note}`);
});
