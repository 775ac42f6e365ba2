import { blogPaths } from '@/lib/blogs/address';
import type { PostSummary } from '@/lib/posts/public';
import { Cover } from './cover';
import { PostDate } from './post-date';
import { TagList } from './tag-list';

type Props = {
  posts: PostSummary[];
  /** Where the list's first page is: the home page or a tag's page. */
  listPath: string;
  /** A later page (`?after=`): it links back to the first. */
  later: boolean;
  next?: string;
  /** What an empty list says. */
  empty?: string;
};

/** Posts newest first, with "Older posts" paging by key (lib/posts/public.ts). */
export function PostList({ posts, listPath, later, next, empty }: Props) {
  return (
    <>
      {posts.length === 0 ? (
        empty && <p className="empty">{empty}</p>
      ) : (
        <ol className="post-list">
          {posts.map((post) => (
            <li key={post.id}>
              <article>
                {post.cover && (
                  <a href={blogPaths.post(post.slug)} tabIndex={-1} aria-hidden="true">
                    <Cover cover={post.cover} className="list-cover" />
                  </a>
                )}
                <h2>
                  <a href={blogPaths.post(post.slug)}>{post.title}</a>
                </h2>
                <PostDate date={post.publishedAt} />
                {post.excerpt && <p className="excerpt">{post.excerpt}</p>}
                <TagList tags={post.tags} />
              </article>
            </li>
          ))}
        </ol>
      )}
      <nav className="pagination" aria-label="More posts">
        {later && <a href={listPath}>← Newest posts</a>}
        {next && (
          <a className="older" href={blogPaths.after(listPath, next)}>
            Older posts →
          </a>
        )}
      </nav>
    </>
  );
}
