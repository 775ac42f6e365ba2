/**
 * The search case of bench:pages (run by bench/pages.ts in its own process, or alone:
 * `node --import tsx bench/search-case.ts`): a blog of SEARCH_POSTS posts (the 1,500-word post,
 * each with one word of its own; one rare word in a single post, another in every 20th), searched in this process
 * through lib/search, page 1, timed one by one. The baseline, in the same run on the same
 * file, is the plain way: one query ranking every match by bm25 and building a snippet for
 * each before LIMIT. Prints one JSON object on stdout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const POSTS = Number(process.env.SEARCH_POSTS ?? 10_000);
const RUNS = Number(process.env.SEARCH_RUNS ?? 300);
const RARE = 'zephyrine';
/** In every 20th post: ranked by relevance (fewer matches than lib/search's RANK_LIMIT). */
const SOME = 'fernwood';

export type SearchCase = {
  label: string;
  term: string;
  matches: number;
  order: string;
  p50Ms: number;
  p99Ms: number;
  baselineP50Ms: number;
  baselineP99Ms: number;
};
export type SearchFigures = { posts: number; runs: number; seedSeconds: number; fileMB: number; cases: SearchCase[] };

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-bench-search-'));
  process.env.QUIRE_DATA_DIR = dataDir;
  try {
    // Imported after QUIRE_DATA_DIR is set: lib/config reads it once.
    const { createBlog } = await import('@/lib/blogs/blogs');
    const { openTenant, closeTenantPool } = await import('@/lib/db/pool');
    const { closeControlDb } = await import('@/lib/db/control');
    const { createPost } = await import('@/lib/posts/posts');
    const { searchPosts, toMatchExpression } = await import('@/lib/search/search');
    const { longPost } = await import('./common');

    const started = performance.now();
    await createBlog({ slug: 'search', title: 'Search' });
    const handle = openTenant('search');
    const markdown = fs.readFileSync(longPost(dataDir).file, 'utf8');
    await createPost(handle, { title: 'Post 1', markdown });
    // The rest are copies of the first made in SQL (rendering 10,000 times proves nothing
    // here); each gets a word of its own, one gets the rare word. The triggers index them all.
    handle.sqlite.transaction(() => {
      const copy = handle.sqlite.prepare(
        `INSERT INTO posts (slug, title, markdown, html, excerpt, status, published_at, created_at, updated_at, body_text)
         SELECT @slug, @title, markdown, html, excerpt, status, published_at - @n * 60000, created_at, updated_at, body_text || ' ' || @word
         FROM posts WHERE id = 1`,
      );
      for (let n = 2; n <= POSTS; n++) {
        const own = n === Math.floor(POSTS / 2) ? RARE : `uniqueword${n}`;
        copy.run({ slug: `post-${n}`, title: `Post ${n}`, n, word: n % 20 === 0 ? `${own} ${SOME}` : own });
      }
    })();
    const seedSeconds = (performance.now() - started) / 1000;

    const common = mostCommonWord(markdown);
    const baseline = handle.sqlite.prepare(
      `SELECT p.slug, highlight(posts_fts, 0, '<mark>', '</mark>') AS title,
              snippet(posts_fts, 1, '<mark>', '</mark>', '…', 24) AS snippet
       FROM posts_fts f JOIN posts p ON p.id = f.rowid
       WHERE posts_fts MATCH ? AND p.status <> 'draft' AND p.published_at <= ?
       ORDER BY rank LIMIT 11`,
    );
    const cases: SearchCase[] = [];
    for (const [label, term] of [
      ['rare term (1 post)', RARE],
      ['uncommon term (every 20th post)', SOME],
      [`common term ("${common}", every post)`, common],
      [`two common terms`, `${common} ${secondWord(markdown, common)}`],
    ] as const) {
      const expression = toMatchExpression(term)!.expression;
      const matches = handle.sqlite.prepare('SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?').pluck().get(expression) as number;
      const first = searchPosts(handle, term);
      if (first.hits.length === 0) throw new Error(`search for "${term}" found nothing`);
      const ours = time(() => searchPosts(handle, term));
      const plain = time(() => baseline.all(expression, Date.now()));
      cases.push({
        label,
        term,
        matches,
        order: first.order,
        p50Ms: ours.p50,
        p99Ms: ours.p99,
        baselineP50Ms: plain.p50,
        baselineP99Ms: plain.p99,
      });
    }
    const fileMB = fs.statSync(path.join(dataDir, 'tenants', 'search.db')).size / 1e6;
    closeTenantPool();
    await closeControlDb();
    const figures: SearchFigures = { posts: POSTS, runs: RUNS, seedSeconds, fileMB, cases };
    console.log(JSON.stringify(figures));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function time(run: () => unknown): { p50: number; p99: number } {
  for (let i = 0; i < 10; i++) run(); // warm the page cache and the statements
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    run();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]!;
  return { p50: at(50), p99: at(99) };
}

/** The post's most frequent word of 3+ letters: a term in every post. */
function mostCommonWord(text: string): string {
  return rankedWords(text)[0]!;
}

function secondWord(text: string, not: string): string {
  return rankedWords(text).find((w) => w !== not)!;
}

function rankedWords(text: string): string[] {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/\p{L}{3,}/gu) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([word]) => word);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
