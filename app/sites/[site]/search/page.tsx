import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { loadBlog } from '../load';
import { searchParamsSchema, searchPosts, SEARCH_QUERY_MAX } from '@/lib/search/search';
import { PostDate } from '../post-date';

type Props = { params: Promise<{ site: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const blog = loadBlog((await params).site);
  // Result pages are endless variations of the posts themselves: not for search engines.
  return blog ? { title: `Search · ${blog.settings.title}`, robots: { index: false, follow: true } } : {};
}

export default async function SearchPage({ params, searchParams }: Props) {
  const blog = loadBlog((await params).site);
  if (!blog) notFound();
  const { q, page } = searchParamsSchema.parse(await searchParams);
  const query = q.slice(0, SEARCH_QUERY_MAX);
  const results = searchPosts(blog.handle, query, page);
  const pageLink = (n: number) => `/search?${new URLSearchParams({ q: query, ...(n > 1 ? { page: String(n) } : {}) })}`;

  return (
    <section className="search">
      <h1>Search</h1>
      <form className="search-form" action="/search" method="get" role="search">
        <label htmlFor="search-q">Search this blog</label>
        <input id="search-q" name="q" type="search" defaultValue={query} maxLength={SEARCH_QUERY_MAX} />
        <button type="submit">Search</button>
      </form>
      {results.terms.length === 0 ? (
        <p className="empty">{query.trim() ? 'Search for words: letters and numbers.' : 'Type a word or two to search the posts.'}</p>
      ) : results.hits.length === 0 ? (
        <p className="empty">{`${page > 1 ? 'No more results' : 'No results'} for “${query}”.`}</p>
      ) : (
        <>
          <p className="search-summary">
            {`Results for “${query}”${results.order === 'newest' ? ', newest first' : ''}${page > 1 ? ` · page ${page}` : ''}`}
          </p>
          <ol className="post-list search-results">
            {results.hits.map((hit) => (
              <li key={hit.slug}>
                <article>
                  {/* Escaped text with <mark>s only (lib/search markedHtml). */}
                  <h2>
                    <a href={`/posts/${hit.slug}`} dangerouslySetInnerHTML={{ __html: hit.titleHtml }} />
                  </h2>
                  <PostDate date={hit.publishedAt} />
                  <p className="excerpt" dangerouslySetInnerHTML={{ __html: hit.snippetHtml }} />
                </article>
              </li>
            ))}
          </ol>
        </>
      )}
      <nav className="pagination" aria-label="More results">
        {page > 1 && <a href={pageLink(page - 1)}>← Previous results</a>}
        {results.hasMore && (
          <a className="older" href={pageLink(page + 1)}>
            More results →
          </a>
        )}
      </nav>
    </section>
  );
}
