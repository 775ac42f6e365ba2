import type { ReactNode } from 'react';
import type { CoverImage } from '@/lib/media/media';
import type { TagRef } from '@/lib/posts/public';
import { Cover } from './cover';
import { PostDate } from './post-date';
import { TagList } from './tag-list';

export type ArticlePost = {
  title: string;
  /** Sanitized when the post was saved, or when its preview was made (lib/markdown). */
  html: string;
  cover: CoverImage | null;
  tags: TagRef[];
  /** Null for a draft (a preview). */
  publishedAt: Date | null;
  readingMinutes: number;
};

/** A post as readers see it: on its own page, and through a preview link. */
export function PostArticle(props: { post: ArticlePost; authorName: string; meta?: ReactNode; children?: ReactNode }) {
  const { post } = props;
  return (
    <article className="post">
      <header>
        <h1>{post.title}</h1>
        <p className="post-meta">
          {props.authorName && <>{props.authorName} · </>}
          {post.publishedAt ? <PostDate date={post.publishedAt} /> : 'Not published yet'} · {post.readingMinutes} min read
          {props.meta}
        </p>
      </header>
      {post.cover && <Cover cover={post.cover} className="post-cover" />}
      <div className="prose" dangerouslySetInnerHTML={{ __html: post.html }} />
      <TagList tags={post.tags} />
      {props.children}
    </article>
  );
}
