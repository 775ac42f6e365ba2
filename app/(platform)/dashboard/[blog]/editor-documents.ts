import type { TenantHandle } from '@/lib/db/pool';
import { mediaItem } from '@/lib/media/media';
import { getPage } from '@/lib/pages/pages';
import { authorExcerpt, getPost, listPostTags, postVersion } from '@/lib/posts/posts';
import { getPendingRevision } from '@/lib/posts/revisions';
import { shownStatus } from '@/lib/posts/status';
import type { EditorDocument } from './editor';

/** What the editor opens for a post: its pending edit if it has one, else its own text. Undefined when there is no such post. */
export function postDocument(handle: TenantHandle, id: string): EditorDocument | undefined {
  const postId = documentId(id);
  const post = postId === undefined ? undefined : getPost(handle, postId);
  if (!post) return undefined;
  const cover = post.coverMediaId === null ? undefined : mediaItem(handle, post.coverMediaId);
  // A live post's pending edit is what the author goes on with; readers see the post's own text.
  const pending = getPendingRevision(handle, post.id);
  const live = {
    title: post.title,
    markdown: post.markdown,
    excerpt: authorExcerpt(post),
    tags: listPostTags(handle, post.id)
      .map((tag) => tag.name)
      .join(', '),
  };
  return {
    id: post.id,
    slug: post.slug,
    ...(pending ? { title: pending.title, markdown: pending.markdown, excerpt: pending.excerpt, tags: pending.tags.join(', ') } : live),
    autoExcerpt: post.autoExcerpt,
    hasPendingChanges: pending !== undefined,
    live: pending ? live : undefined,
    status: shownStatus(post),
    publishedAt: post.publishedAt?.getTime() ?? null,
    updatedAt: postVersion(post, pending),
    views: post.views,
    cover: cover ? { id: cover.id, filename: cover.filename, thumbnailUrl: cover.thumbnailUrl, alt: cover.alt } : null,
  };
}

/** What the editor opens for a page. Undefined when there is no such page. */
export function pageDocument(handle: TenantHandle, id: string): EditorDocument | undefined {
  const pageId = documentId(id);
  const page = pageId === undefined ? undefined : getPage(handle, pageId);
  if (!page) return undefined;
  return {
    id: page.id,
    title: page.title,
    slug: page.slug,
    markdown: page.markdown,
    status: page.status,
    updatedAt: page.updatedAt.getTime(),
    navOrder: page.navOrder,
  };
}

/** A post's or page's id from the editor's URL; anything else is no document. */
function documentId(id: string): number | undefined {
  return /^\d{1,15}$/.test(id) ? Number(id) : undefined;
}
