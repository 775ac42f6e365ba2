/**
 * `npm run bench:newsletter`: one post emailed to 10,000 subscribers over SMTP on loopback,
 * while another blog is read.
 *
 * The production server sends through a loopback SMTP server that accepts everything and only
 * counts (bench/smtp-sink.mjs, its own process). A blog gets QUIRE_BENCH_SUBSCRIBERS active
 * readers (default 10,000; written into its file as an import would), then the author publishes a
 * 1,500-word post and emails it through the dashboard's API. QUIRE_MAIL_PER_SECOND is set to
 * QUIRE_BENCH_MAIL_RATE (default 1,000) so that the ceiling shows, not the default pace (20/s).
 * Meanwhile a reader reads another blog's cached post at QUIRE_BENCH_READER_RPS (default 100/s).
 *
 * Prints messages per second (from the request to the last one accepted by the SMTP server), the
 * server's CPU per message, its RSS before and at its peak, and the reader's p50/p99/max before
 * and during the send; checks that every reader got exactly one message. Goal (issue 19): figures
 * in docs/benchmarks.md.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  Account,
  READER_RPS,
  ensureBuild,
  fmt,
  freePort,
  health,
  longPost,
  makeTmpDir,
  measureBefore,
  printHeader,
  printSoftware,
  printTable,
  readCount,
  readCpuSeconds,
  readerSummary,
  runBench,
  sampleRss,
  startChild,
  startQuire,
  stop,
  warmReader,
  type Server,
} from './common';

const SUBSCRIBERS = readCount('QUIRE_BENCH_SUBSCRIBERS', 10_000);
const MAIL_RATE = readCount('QUIRE_BENCH_MAIL_RATE', 1_000);
const PASSWORD = 'a long enough passphrase';

/** From bench/smtp-sink.mjs: `readers` counts the newsletter's (reader<N>@), `messages` every mail (sign-ups' links too). */
type SinkCount = { messages: number; readers: number; bytes: number; recipients: number; duplicates: number };

async function sinkCount(httpPort: number): Promise<SinkCount> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/`);
  return (await response.json()) as SinkCount;
}

/** A reader's secret, as lib/newsletters makes them (base32, lower case). */
function token(): string {
  return Array.from(randomBytes(24), (byte) => 'abcdefghijklmnopqrstuvwxyz234567'[byte % 32]).join('');
}

/** Active readers written straight into the blog's file, as `importSubscribers` writes them. */
function addSubscribers(dataDir: string, slug: string, count: number): void {
  const db = new Database(path.join(dataDir, 'tenants', `${slug}.db`));
  db.pragma('busy_timeout = 10000');
  const insert = db.prepare(
    `insert into subscribers (email, state, token, source, created_at, confirmed_at) values (?, 'active', ?, 'import', ?, ?)`,
  );
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < count; i++) insert.run(`reader${i}@example.org`, token(), now, now);
  })();
  db.close();
}

await runBench('bench:newsletter', { deadlineMs: 30 * 60_000 }, async () => {
  const notes: string[] = [];
  ensureBuild(notes);
  const before = await measureBefore();
  const dir = makeTmpDir('quire-bench-newsletter-');
  const dataDir = path.join(dir, 'data');
  const sinkHttp = await freePort();
  const sink: Server = await startChild('smtp sink', ['bench/smtp-sink.mjs'], { SINK_HTTP_PORT: String(sinkHttp) }, /smtp sink on port/);
  const server: Server = await startQuire('quire', dataDir, {
    QUIRE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    QUIRE_MAIL_FROM: 'Bench <bench@example.org>',
    QUIRE_MAIL_PER_SECOND: String(MAIL_RATE),
    QUIRE_NEWSLETTER_DAILY_LIMIT: String(Math.max(SUBSCRIBERS, 10_000)),
  });
  const host = (blog: string) => `${blog}.localhost:${server.port}`;

  const quiet = new Account(server.port);
  await quiet.send('POST', '/api/auth/signup', { email: 'quiet@example.com', password: PASSWORD, blog: { slug: 'quiet', title: 'Quiet' } });
  const post = longPost(dir);
  // `source` names where the post came from; its text is the file.
  const markdown = fs.readFileSync(post.file, 'utf8');
  await quiet.send('POST', '/api/blogs/quiet/posts', { title: 'Calm', markdown, action: 'publish' });
  const author = new Account(server.port);
  await author.send('POST', '/api/auth/signup', {
    email: 'author@example.com',
    password: PASSWORD,
    blog: { slug: 'letters', title: 'Letters' },
  });
  addSubscribers(dataDir, 'letters', SUBSCRIBERS);

  const rss = sampleRss(server, 100);
  let reader = await warmReader(server.port, host('quiet'), '/posts/calm');
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  await reader.stop();
  const readerBefore = readerSummary(reader.samples);
  const rssBefore = Math.max(...rss.values);

  reader = await warmReader(server.port, host('quiet'), '/posts/calm');
  const cpuBefore = readCpuSeconds(server.proc.pid);
  const t0 = performance.now();
  // "Publish now" with "Email this post" ticked: the editor publishes, then asks for the newsletter.
  const published = await author.send('POST', '/api/blogs/letters/posts', {
    title: 'A letter to many',
    markdown,
    action: 'publish',
  });
  if (published.status !== 200) throw new Error(`publish: ${published.status} ${published.text}`);
  const postId = (JSON.parse(published.text) as { post: { id: number } }).post.id;
  const emailed = await author.send('POST', `/api/blogs/letters/posts/${postId}/newsletter`, {});
  if (emailed.status !== 200) throw new Error(`newsletter: ${emailed.status} ${emailed.text}`);
  const requestMs = performance.now() - t0;
  let count: SinkCount = await sinkCount(sinkHttp);
  let firstAt: number | undefined;
  while (count.readers < SUBSCRIBERS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    count = await sinkCount(sinkHttp);
    if (count.readers > 0) firstAt ??= performance.now();
    if (performance.now() - t0 > 20 * 60_000) throw new Error(`only ${count.readers} of ${SUBSCRIBERS} messages arrived in 20 minutes`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (readCpuSeconds(server.proc.pid) ?? 0) - (cpuBefore ?? 0);
  const loop = (await health(server))?.eventLoopDelay?.thisMinute;
  await reader.stop();
  rss.stop();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  count = await sinkCount(sinkHttp);

  printHeader('bench:newsletter — one post emailed to every subscriber, over SMTP on loopback', before);
  printSoftware({ sqlite: true });
  console.log(`subscribers ${SUBSCRIBERS}, QUIRE_MAIL_PER_SECOND ${MAIL_RATE}, reader ${READER_RPS}/s on another blog\n`);
  printTable(
    ['step', 'figure'],
    [
      ['publish + email request answered', `${fmt(requestMs, 0)} ms`],
      ['first message at the SMTP server', `${fmt(((firstAt ?? t0) - t0) / 1000, 2)} s`],
      ['all messages accepted', `${fmt(seconds, 1)} s: ${fmt(SUBSCRIBERS / seconds, 0)} messages/s`],
      ['server CPU per message', `${fmt((cpu / SUBSCRIBERS) * 1e6, 0)} µs (${fmt(cpu, 1)} s in all)`],
      ['bytes per message', fmt(count.bytes / count.messages, 0)],
      ['newsletter messages / duplicates', `${count.readers} / ${count.duplicates}`],
      ["serving thread's event-loop delay this minute, p99 / max", loop ? `${fmt(loop.p99Ms, 1)} / ${fmt(loop.maxMs, 1)} ms` : 'n/a'],
      ['server RSS before → peak', `${fmt(rssBefore, 0)} → ${fmt(Math.max(...rss.values), 0)} MB`],
    ],
  );
  console.log('');
  printTable(
    ['reader of another blog', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'failed'],
    [
      ['before', ...readerBefore],
      ['while sending', ...readerSummary(reader.samples)],
    ],
  );
  if (count.readers !== SUBSCRIBERS || count.duplicates > 0)
    notes.push(`expected ${SUBSCRIBERS} messages, one per reader: got ${count.readers}, ${count.duplicates} duplicates`);
  for (const note of notes) console.log(`note: ${note}`);
  await stop(server);
  await stop(sink);
});
