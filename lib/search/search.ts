import { z } from 'zod';
import type { TenantHandle } from '@/lib/db/pool';
import { publicPostSql } from '@/lib/posts/public';

/**
 * Full-text search of a blog's public posts (FTS5 table `posts_fts`, migration 0005).
 *
 * A reader's words never reach MATCH as syntax: the query is cut into words (letters and
 * digits), each becomes a quoted phrase, and the phrases are ANDed. Quotes, `*`, `NEAR(`, `OR`,
 * `-`, parentheses are just text to us, so no query can make MATCH fail.
 *
 * Speed (docs/architecture.md, "Search": ranking a term found in every one of 10,000 posts costs
 * ~8–14 ms): the ids of one page are chosen first with nothing but the index, and snippets are
 * made for those ten posts only. A term in more than RANK_LIMIT posts is not ranked by
 * relevance at all — with that many matches, relevance barely orders them — the newest matches
 * are listed instead, which FTS5 reads straight off its index and stops early.
 */

export const SEARCH_QUERY_MAX = 200;
const TERMS_MAX = 12;
export const RESULTS_PER_PAGE = 10;
/** At most this many pages of results (bounded OFFSET: deep pages of a search are never read). */
const SEARCH_PAGES_MAX = 50;
/** Past this many matching posts, results come newest first rather than by relevance. */
const RANK_LIMIT = 1000;

/** What the search page takes from its URL: anything goes, nothing fails. */
export const searchParamsSchema = z.object({
  q: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().catch('')).default(''),
  page: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.coerce.number().int().min(1).max(SEARCH_PAGES_MAX).catch(1)).default(1),
});

/** Markers FTS5 puts around matched words; private-use characters that never occur in text. */
const MARK_OPEN = '\uE000';
const MARK_CLOSE = '\uE001';

type SearchHit = {
  slug: string;
  /** Title and snippet as HTML: escaped text with matches in `<mark>`. */
  titleHtml: string;
  snippetHtml: string;
  publishedAt: Date;
};

export type SearchResults = {
  /** The words searched for, as understood (empty: nothing to search). */
  terms: string[];
  hits: SearchHit[];
  page: number;
  hasMore: boolean;
  order: 'relevance' | 'newest';
};

/** The reader's query as an FTS5 expression of quoted words, or null when it has none. */
export function toMatchExpression(query: string): { expression: string; terms: string[] } | null {
  const terms = (
    query
      .slice(0, SEARCH_QUERY_MAX)
      .normalize('NFKC')
      .match(/[\p{L}\p{N}\p{M}]+/gu) ?? []
  )
    .slice(0, TERMS_MAX)
    .map((term) => term.toLowerCase());
  if (terms.length === 0) return null;
  // Quoted, each is a phrase of one word: FTS5 reads no operator inside quotes.
  return { expression: terms.map((term) => `"${term}"`).join(' '), terms };
}

export function searchPosts(handle: TenantHandle, query: string, page = 1): SearchResults {
  const match = toMatchExpression(query);
  if (!match) return { terms: [], hits: [], page, hasMore: false, order: 'relevance' };
  const now = Date.now();
  const limit = RESULTS_PER_PAGE + 1;
  const offset = (Math.min(Math.max(1, page), SEARCH_PAGES_MAX) - 1) * RESULTS_PER_PAGE;

  const common = countMatches(handle, match.expression, RANK_LIMIT + 1) > RANK_LIMIT;
  const ids = (
    common
      ? handle.statement('search.newest', () =>
          handle.sqlite.prepare(
            `SELECT p.id FROM posts_fts f JOIN posts p ON p.id = f.rowid
             WHERE posts_fts MATCH @q AND ${publicPostSql('p')}
             ORDER BY f.rowid DESC LIMIT @limit OFFSET @offset`,
          ),
        )
      : handle.statement('search.ranked', () =>
          // Title matches weigh 5× body matches. FTS5 sorts by its `rank` column itself, much
          // faster than ORDER BY bm25(…).
          handle.sqlite.prepare(
            `SELECT p.id FROM posts_fts f JOIN posts p ON p.id = f.rowid
             WHERE posts_fts MATCH @q AND rank MATCH 'bm25(5.0, 1.0)' AND ${publicPostSql('p')}
             ORDER BY rank LIMIT @limit OFFSET @offset`,
          ),
        )
  )
    .pluck()
    .all({ q: match.expression, now, limit, offset }) as number[];

  const pageIds = ids.slice(0, RESULTS_PER_PAGE);
  const details = handle.statement('search.details', () =>
    handle.sqlite.prepare(
      `SELECT p.slug, p.published_at AS publishedAt,
              highlight(posts_fts, 0, char(57344), char(57345)) AS title,
              snippet(posts_fts, 1, char(57344), char(57345), '…', 24) AS snippet
       FROM posts_fts f JOIN posts p ON p.id = f.rowid
       WHERE posts_fts MATCH @q AND f.rowid = @id`,
    ),
  );
  const hits = pageIds.flatMap((id) => {
    const row = details.get({ q: match.expression, id }) as
      { slug: string; publishedAt: number; title: string; snippet: string } | undefined;
    return row
      ? [{ slug: row.slug, titleHtml: markedHtml(row.title), snippetHtml: markedHtml(row.snippet), publishedAt: new Date(row.publishedAt) }]
      : [];
  });
  return {
    terms: match.terms,
    hits,
    page,
    hasMore: ids.length > RESULTS_PER_PAGE && offset + RESULTS_PER_PAGE < SEARCH_PAGES_MAX * RESULTS_PER_PAGE,
    order: common ? 'newest' : 'relevance',
  };
}

/** How many posts match, counting no further than `cap` (reads doclists only: cheap). */
function countMatches(handle: TenantHandle, expression: string, cap: number): number {
  return handle
    .statement('search.count', () =>
      handle.sqlite.prepare('SELECT count(*) FROM (SELECT 1 FROM posts_fts WHERE posts_fts MATCH @q LIMIT @cap)'),
    )
    .pluck()
    .get({ q: expression, cap }) as number;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Plain text with FTS5's markers → escaped HTML with `<mark>`s. */
function markedHtml(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!)
    .replaceAll(MARK_OPEN, '<mark>')
    .replaceAll(MARK_CLOSE, '</mark>');
}
