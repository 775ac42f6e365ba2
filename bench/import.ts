/**
 * `npm run bench:import`: moving a big WordPress blog in, while other blogs are read.
 *
 * Generates a WordPress export (WXR 1.2) of QUIRE_BENCH_POSTS posts (default 5,000; classic
 * editor text of ~400 words, tags, a comment on every tenth) of which QUIRE_BENCH_IMAGES
 * (default 2,000) show an image served by a loopback server (1200×800 JPEGs, 20 different ones).
 * The production server (with QUIRE_FETCH_ALLOW_LOOPBACK=1, the setting that exists for tests and
 * benchmarks) receives it through the dashboard's API: upload, dry run, import as a new blog,
 * then the same export into an existing blog (the merge). Meanwhile a reader reads another
 * blog's cached post at QUIRE_BENCH_READER_RPS (default 100/s).
 *
 * Prints posts/s and images/s of each step, the server's peak RSS, and the reader's p50/p99/max
 * before and during the import (the longest stall of another blog). Goal (issue 18): figures in
 * docs/benchmarks.md; the reader's max stays small.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import {
  Account,
  READER_RPS,
  ensureBuild,
  fmt,
  generatedPost,
  makeTmpDir,
  measureBefore,
  printHeader,
  printSoftware,
  printTable,
  readCount,
  sampleRss,
  readerSummary,
  runBench,
  startQuire,
  warmReader,
  stop,
  type Server,
} from './common';

const POSTS = readCount('QUIRE_BENCH_POSTS', 5_000);
const IMAGES = Math.min(POSTS, readCount('QUIRE_BENCH_IMAGES', 2_000, 0));
const PASSWORD = 'a long enough passphrase';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A WXR 1.2 file as WordPress's Tools → Export writes it, written as it is generated. */
function writeWxr(file: string, imageBase: string): number {
  const out = fs.openSync(file, 'w');
  const write = (text: string) => fs.writeSync(out, text);
  write(`<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Big Old Blog</title><link>https://old.example.com</link><description>Years of writing</description>
  <language>en-US</language><wp:wxr_version>1.2</wp:wxr_version>
  <wp:base_site_url>https://old.example.com</wp:base_site_url><wp:base_blog_url>https://old.example.com</wp:base_blog_url>
  <wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[ann]]></wp:author_login><wp:author_email><![CDATA[ann@example.com]]></wp:author_email><wp:author_display_name><![CDATA[Ann Writer]]></wp:author_display_name></wp:author>
`);
  for (let c = 0; c < 20; c++)
    write(
      `  <wp:category><wp:term_id>${c + 1}</wp:term_id><wp:category_nicename><![CDATA[topic-${c}]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Topic ${c}]]></wp:cat_name></wp:category>\n`,
    );
  const start = Date.UTC(2012, 0, 1);
  for (let i = 1; i <= POSTS; i++) {
    const date = new Date(start + i * 86_400_000 * 0.8);
    const ymd = date.toISOString().slice(0, 10);
    const [y, m] = ymd.split('-');
    const slug = `post-number-${i}`;
    const paragraphs = generatedPost(400, i)
      .split(/\n\n+/)
      .filter((p) => !p.startsWith('#'))
      .map((p) => escapeXml(p.replace(/[*_`#>]/g, '')))
      .join('\n\n');
    const image =
      i <= IMAGES
        ? `<img class="aligncenter size-large" src="${imageBase}/wp-content/uploads/${y}/${m}/photo-${i}.jpg" alt="Photo ${i}" width="1200" height="800" />\n\n`
        : '';
    const gmt = `${ymd} 09:30:00`;
    const comment =
      i % 10 === 0
        ? `<wp:comment><wp:comment_id>${i}</wp:comment_id><wp:comment_author><![CDATA[Reader ${i}]]></wp:comment_author><wp:comment_author_email><![CDATA[r@example.com]]></wp:comment_author_email><wp:comment_author_url>https://reader.example.org/</wp:comment_author_url><wp:comment_author_IP><![CDATA[192.0.2.1]]></wp:comment_author_IP><wp:comment_date><![CDATA[${gmt}]]></wp:comment_date><wp:comment_date_gmt><![CDATA[${gmt}]]></wp:comment_date_gmt><wp:comment_content><![CDATA[Thanks for post ${i}!]]></wp:comment_content><wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_type><![CDATA[comment]]></wp:comment_type><wp:comment_parent>0</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id></wp:comment>`
        : '';
    write(`  <item>
    <title><![CDATA[Post number ${i}]]></title><link>https://old.example.com/${y}/${m}/${slug}/</link><pubDate>${date.toUTCString()}</pubDate>
    <dc:creator><![CDATA[ann]]></dc:creator><guid isPermaLink="false">https://old.example.com/?p=${i + 100}</guid><description></description>
    <content:encoded><![CDATA[${image}${paragraphs}]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>
    <wp:post_id>${i + 100}</wp:post_id><wp:post_date><![CDATA[${gmt}]]></wp:post_date><wp:post_date_gmt><![CDATA[${gmt}]]></wp:post_date_gmt>
    <wp:comment_status><![CDATA[open]]></wp:comment_status><wp:ping_status><![CDATA[open]]></wp:ping_status><wp:post_name><![CDATA[${slug}]]></wp:post_name>
    <wp:status><![CDATA[publish]]></wp:status><wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order><wp:post_type><![CDATA[post]]></wp:post_type>
    <wp:post_password><![CDATA[]]></wp:post_password><wp:is_sticky>0</wp:is_sticky>
    <category domain="category" nicename="topic-${i % 20}"><![CDATA[Topic ${i % 20}]]></category>
    <category domain="post_tag" nicename="tag-${i % 50}"><![CDATA[tag ${i % 50}]]></category>
    ${comment}
  </item>
`);
  }
  write('</channel>\n</rss>\n');
  fs.closeSync(out);
  return fs.statSync(file).size;
}

/** 20 different 1200×800 JPEGs, served at every `photo-<n>.jpg`, counting requests. */
async function startImageServer(): Promise<{ base: string; served: () => number; close: () => void }> {
  const images = await Promise.all(
    Array.from({ length: 20 }, (_, n) =>
      sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: (n * 37) % 256, g: (n * 91) % 256, b: (n * 53) % 256 } } })
        .composite([
          { input: Buffer.from(`<svg width="1200" height="800"><circle cx="${300 + n * 30}" cy="400" r="200" fill="white"/></svg>`) },
        ])
        .jpeg({ quality: 80 })
        .toBuffer(),
    ),
  );
  let served = 0;
  const server = http.createServer((req, res) => {
    const n = Number(/photo-(\d+)\.jpg$/.exec(req.url ?? '')?.[1]);
    if (!Number.isInteger(n)) {
      res.writeHead(404).end();
      return;
    }
    served++;
    const body = images[n % images.length]!;
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { base: `http://127.0.0.1:${port}`, served: () => served, close: () => server.close() };
}

type JobView = {
  state: string;
  error?: string;
  check?: { posts: number; pages: number; images: { toFetch: number }; warningCount: number; seconds: number };
  result?: { posts: number; images: { stored: number; failed: unknown[] }; redirects: number; seconds: number };
  progress?: { items: number; phase: string };
};

async function waitFor(account: Account, id: string, until: (job: JobView) => boolean, onPoll: (job: JobView) => void): Promise<JobView> {
  for (;;) {
    const reply = await account.send('GET', `/api/imports/${id}`);
    const job = (JSON.parse(reply.text) as { job: JobView }).job;
    onPoll(job);
    if (job.error && job.state !== 'importing') throw new Error(`the import failed: ${job.error}`);
    if (until(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

await runBench('bench:import', { deadlineMs: 60 * 60_000 }, async () => {
  const notes: string[] = [];
  ensureBuild(notes);
  const before = await measureBefore();
  const dir = makeTmpDir('quire-bench-import-');
  const images = await startImageServer();
  const wxr = path.join(dir, 'export.xml');
  const wxrBytes = writeWxr(wxr, images.base);
  const server: Server = await startQuire('quire', path.join(dir, 'data'), {
    QUIRE_FETCH_ALLOW_LOOPBACK: '1',
    QUIRE_BULK_TIMEOUT_S: '3600',
    QUIRE_IMPORT_MAX_MB: '1024',
  });
  const host = (blog: string) => `${blog}.localhost:${server.port}`;

  const reader = new Account(server.port);
  await reader.send('POST', '/api/auth/signup', {
    email: 'reader@example.com',
    password: PASSWORD,
    blog: { slug: 'quiet', title: 'Quiet' },
  });
  await reader.send('POST', '/api/blogs/quiet/posts', { title: 'Calm', markdown: generatedPost(1500), action: 'publish' });
  const mover = new Account(server.port);
  await mover.send('POST', '/api/auth/signup', {
    email: 'mover@example.com',
    password: PASSWORD,
    blog: { slug: 'existing', title: 'Existing' },
  });
  for (let i = 0; i < 20; i++)
    await mover.send('POST', '/api/blogs/existing/posts', { title: `Mine ${i}`, markdown: generatedPost(300, i), action: 'publish' });

  const rss = sampleRss(server, 100);
  const stream = await warmReader(server.port, host('quiet'), '/posts/calm');
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const rssBefore = Math.max(...rss.values);
  const steps: string[][] = [];
  const importStart = performance.now();

  const upload = async () => {
    const t0 = performance.now();
    const reply = await mover.send('POST', `/api/imports?name=export.xml`, fs.readFileSync(wxr));
    if (reply.status !== 200) throw new Error(`upload: ${reply.status} ${reply.text}`);
    const id = (JSON.parse(reply.text) as { job: { id: string } }).job.id;
    const uploaded = (performance.now() - t0) / 1000;
    const checked = await waitFor(
      mover,
      id,
      (j) => j.state === 'checked',
      () => {},
    );
    const checkSeconds = (performance.now() - t0) / 1000 - uploaded;
    return { id, uploaded, checkSeconds, check: checked.check! };
  };

  // 1. A new blog.
  const first = await upload();
  steps.push(['upload', `${fmt(wxrBytes / 1024 / 1024, 1)} MB`, fmt(first.uploaded, 1), '', '']);
  steps.push([
    'dry run',
    `${first.check.posts} posts, ${first.check.images.toFetch} images to fetch`,
    fmt(first.checkSeconds, 1),
    fmt(first.check.posts / first.checkSeconds, 0),
    '',
  ]);
  let t0 = performance.now();
  const servedBefore = images.served();
  await mover.send('POST', `/api/imports/${first.id}`, { slug: 'moved-in', title: 'Moved in' });
  const done = await waitFor(
    mover,
    first.id,
    (j) => j.state === 'done',
    () => {},
  );
  let seconds = (performance.now() - t0) / 1000;
  steps.push([
    'import as a new blog',
    `${done.result!.posts} posts, ${done.result!.images.stored} images (${images.served() - servedBefore} fetched), ${done.result!.redirects} redirects`,
    fmt(seconds, 1),
    fmt(done.result!.posts / seconds, 0),
    fmt(done.result!.images.stored / seconds, 1),
  ]);

  // 2. The same export into a blog with posts: written aside, then merged in one transaction.
  const second = await upload();
  t0 = performance.now();
  let mergeFrom: number | undefined;
  let mergeTo: number | undefined;
  await mover.send('POST', `/api/imports/${second.id}`, { into: 'existing' });
  const merged = await waitFor(
    mover,
    second.id,
    (j) => j.state === 'done',
    (j) => {
      if (j.progress?.phase === 'merging') mergeFrom ??= performance.now();
      if (j.state === 'done') mergeTo ??= performance.now();
    },
  );
  seconds = (performance.now() - t0) / 1000;
  steps.push([
    'import into an existing blog',
    `${merged.result!.posts} posts, ${merged.result!.images.stored} images`,
    fmt(seconds, 1),
    fmt(merged.result!.posts / seconds, 0),
    fmt(merged.result!.images.stored / seconds, 1),
  ]);
  if (mergeFrom && mergeTo)
    notes.push(
      `the merge into the existing blog (its write lock) took about ${fmt((mergeTo - mergeFrom) / 1000, 1)} s (polled every 200 ms)`,
    );
  const importEnd = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  await stream.stop();
  rss.stop();
  const rssPeak = Math.max(...rss.values);
  // fetch cannot send another Host: node:http can.
  const check = await new Promise<http.IncomingMessage>((resolve, reject) =>
    http
      .get({ host: '127.0.0.1', port: server.port, path: '/2012/01/post-number-1/', headers: { host: host('moved-in') } }, resolve)
      .on('error', reject),
  );
  check.resume();
  notes.push(`an old address: GET /2012/01/post-number-1/ → ${check.statusCode} ${check.headers.location}`);
  await stop(server);
  images.close();

  printHeader(`bench:import — a ${POSTS.toLocaleString('en')}-post WordPress export with ${IMAGES.toLocaleString('en')} images`, before);
  printSoftware({ sqlite: true });
  printTable(['step', 'what', 'seconds', 'posts/s', 'images/s'], steps);
  console.log('');
  const quiet = stream.samples.filter((s) => s.at < importStart);
  const during = stream.samples.filter((s) => s.at >= importStart && s.at <= importEnd);
  console.log(`reader: GET /posts/calm on another blog, ${READER_RPS}/s (keep-alive)`);
  printTable(
    ['reader', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'failed'],
    [
      ['before the import', ...readerSummary(quiet)],
      ['during the imports', ...readerSummary(during)],
    ],
  );
  console.log(`\nserver RSS: ${fmt(rssBefore, 0)} MB before, ${fmt(rssPeak, 0)} MB peak (sampled every 100 ms; worker threads included)`);
  for (const note of notes) console.log(`note: ${note}`);
});
