import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { TenantHandle } from '@/lib/db/pool';
import { postRevisions, posts, postTags, tags, type Post } from '@/lib/db/schema/tenant';
import { conflict, notFoundError } from '@/lib/http/errors';
import { InputError, parseInput } from '@/lib/input';
import { renderMarkdownOffThread } from '@/lib/markdown/off-thread';
import { mediaExists, mediaImageTable } from '@/lib/media/media';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { recordAddressChange } from './redirects';
import {
  deletePendingRevision,
  getPendingRevision,
  keepRevision,
  sameRevisionText,
  writePendingRevision,
  type Revision,
  type RevisionText,
} from './revisions';
import { postSlugSchema, slugify, uniqueSlug } from './slug';
import { shownStatus } from './status';
import { POST_EXCERPT_MAX, POST_MARKDOWN_MAX, POST_TITLE_MAX, TAGS_MAX, TAGS_TEXT_MAX, TAG_MAX } from '@/lib/input/lengths';
import { readingMinutes } from '@/lib/markdown/text';

/** Limits, documented in the README: generous for writing, bounded for the server. */

/**
 * What a save does. `save` never changes what readers see: a draft is written, and the edit of
 * a live (published or scheduled) post is kept aside as its pending revision, which
 * `publish-changes` applies and `discard-changes` throws away (into its history).
 */
const postActions = ['save', 'publish', 'schedule', 'unpublish', 'publish-changes', 'discard-changes'] as const;
export type PostAction = (typeof postActions)[number];

/** What the post routes save: named when the disk has no room for it (lib/http `errorReply`). */
export const SAVING_A_POST = { saving: 'your post' };

const postFormSchema = z.object({
  title: z.string().trim().min(1, 'A post needs a title.').max(POST_TITLE_MAX, `A title is at most ${POST_TITLE_MAX} characters.`),
  /** Empty or absent: derived from the title. */
  slug: z.union([z.literal(''), postSlugSchema]).optional(),
  markdown: z
    .string()
    .max(POST_MARKDOWN_MAX, `A post is at most ${POST_MARKDOWN_MAX.toLocaleString('en')} characters of Markdown.`)
    .refine((text) => text.trim().length > 0, 'A post needs some text.'),
  excerpt: z.string().trim().max(POST_EXCERPT_MAX, `An excerpt is at most ${POST_EXCERPT_MAX} characters.`).optional(),
  action: z.enum(postActions).default('save'),
  /** When to publish: the schedule time, or a back-dated publish (CLI, imports). */
  publishAt: z.coerce.date({ error: 'Choose a valid date and time.' }).optional(),
  /** The version (ms, `postVersion`) the editor loaded; a mismatch means someone else saved since. */
  expectedUpdatedAt: z.number().int().optional(),
  /** Saved by the editor on its own while the author types (see AUTOSAVE_REVISION_GAP_MS). */
  autosave: z.boolean().optional(),
  /** Tag names, as a list or comma-separated. */
  tags: z
    .union([z.string().max(TAGS_TEXT_MAX), z.array(z.string().max(TAG_MAX))])
    .optional()
    .transform((value) => parseTags(value))
    .refine((list) => list === undefined || list.length <= TAGS_MAX, `A post has at most ${TAGS_MAX} tags.`)
    .refine((list) => list === undefined || list.every((t) => t.length <= TAG_MAX), `A tag is at most ${TAG_MAX} characters.`),
  /** An image of this blog shown with the post; null removes it, absent leaves it as it is. */
  coverMediaId: z
    .number({ error: 'Choose a cover image from this blog.' })
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .nullable()
    .optional(),
});

function parseTags(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = (Array.isArray(value) ? value : value.split(',')).map((t) => t.trim().replace(/\s+/g, ' ')).filter(Boolean);
  return [...new Map(names.map((name) => [slugify(name), name])).entries()].filter(([slug]) => slug).map(([, name]) => name);
}

export type PostForm = z.input<typeof postFormSchema>;

/**
 * Creates (no id) or updates a post from the editor or the CLI. Markdown is rendered and
 * sanitized here, once. Any change that a reader could see bumps the blog's page-cache
 * generation; a change made elsewhere since the editor loaded the post is refused, not lost.
 * `save` of a live post keeps the edit as its pending revision (readers see no change); any
 * other write keeps the text it replaces as a revision.
 */
export async function savePost(handle: TenantHandle, id: number | undefined, input: unknown, now = new Date()): Promise<Post> {
  if (isDiscard(input)) return discardPendingChanges(handle, id, input);
  const form = parseInput(postFormSchema, input);
  // Rendered first, off the serving thread; everything below runs without a pause, so the
  // checks still hold when the row is written.
  const rendered = await renderMarkdownOffThread(form.markdown, mediaImageTable(handle.sqlite, form.markdown));
  const existing = id === undefined ? undefined : getPost(handle, id);
  if (id !== undefined && !existing) throw notFoundError('This post no longer exists.');
  const pending = existing && getPendingRevision(handle, existing.id);
  if (existing) checkVersion(existing, pending, form.expectedUpdatedAt);
  const text: RevisionText = {
    title: form.title,
    markdown: form.markdown,
    excerpt: form.excerpt ?? existing?.excerpt ?? '',
    tags: form.tags ?? (existing ? tagNames(handle, existing.id) : []),
  };
  if (existing && existing.status !== 'draft' && form.action === 'save') {
    // Its address and cover are not part of a revision: they change when the edit is published.
    stageEdit(handle, existing, pending, text, form.autosave ?? false, now);
    return existing;
  }

  const slug = form.slug || existing?.slug || uniqueSlug(slugify(form.title) || 'post', (candidate) => slugTaken(handle, candidate));
  if (slug !== existing?.slug && slugTaken(handle, slug)) {
    throw new InputError(slugTakenMessage(handle, slug));
  }
  if (form.coverMediaId != null && !mediaExists(handle, form.coverMediaId)) {
    throw new InputError('The cover image is not in this blog any more; choose another.');
  }
  const { status, publishedAt } = nextState(form.action, existing, form.publishAt, now);
  const values = {
    slug,
    title: form.title,
    markdown: form.markdown,
    html: rendered.html,
    bodyText: rendered.text,
    readingMinutes: readingMinutes(form.markdown),
    excerpt: text.excerpt,
    autoExcerpt: rendered.excerpt,
    status,
    publishedAt,
    ...(form.coverMediaId === undefined ? {} : { coverMediaId: form.coverMediaId }),
    // Strictly increasing, so two saves in one millisecond still tell apart for conflicts.
    updatedAt: new Date(Math.max(now.getTime(), (existing ? postVersion(existing, pending) : 0) + 1)),
  };
  const saved = handle.sqlite.transaction(() => {
    if (existing) {
      // What this save replaces is kept. A pending edit ends: the editor opens on it, so what it
      // sends now is that edit carried on (or, for the CLI, the author's newer word).
      const before = liveText(handle, existing);
      if (!sameRevisionText(before, text)) keepRevision(handle, existing.id, before, existing.updatedAt, { autosave: form.autosave });
      if (pending) deletePendingRevision(handle, existing.id);
    }
    const row = existing
      ? handle.orm.update(posts).set(values).where(eq(posts.id, existing.id)).returning().get()
      : handle.orm
          .insert(posts)
          .values({ ...values, createdAt: now })
          .returning()
          .get();
    if (form.tags !== undefined) setPostTags(handle, row.id, form.tags);
    recordAddressChange(handle, 'post', existing, row, now);
    return row;
  })();
  if (status !== 'draft' || (existing && existing.status !== 'draft')) bumpGeneration(handle.slug);
  return saved;
}

function nextState(action: PostAction, existing: Post | undefined, publishAt: Date | undefined, now: Date) {
  switch (action) {
    case 'save':
      return { status: existing?.status ?? 'draft', publishedAt: existing?.publishedAt ?? null } as const;
    case 'publish':
      return {
        status: 'published',
        publishedAt: publishAt ?? (existing?.status === 'published' ? existing.publishedAt : null) ?? now,
      } as const;
    case 'schedule':
      if (!publishAt) throw new InputError('Choose when to publish.');
      if (publishAt.getTime() <= now.getTime()) throw new InputError('A scheduled time must be in the future.');
      return { status: 'scheduled', publishedAt: publishAt } as const;
    case 'unpublish':
      return { status: 'draft', publishedAt: null } as const;
    case 'publish-changes':
      if (!existing || existing.status === 'draft') throw new InputError('This post is not published yet: publish it instead.');
      return { status: existing.status, publishedAt: existing.publishedAt } as const;
    case 'discard-changes':
      throw new InputError('There is nothing to save when discarding changes.');
  }
}

/**
 * A post's version as the editor holds it: its last write, or its pending revision's if that
 * is newer. A save naming another version was made on an old copy and is refused.
 */
export function postVersion(post: Post, pending: Pick<Revision, 'createdAt'> | undefined): number {
  return Math.max(post.updatedAt.getTime(), pending?.createdAt.getTime() ?? 0);
}

function checkVersion(post: Post, pending: Revision | undefined, expected: number | undefined): void {
  if (expected !== undefined && expected !== postVersion(post, pending)) {
    throw conflict(
      'This post was changed elsewhere since you opened it. Your text is still here: copy it, reload the page, and apply your changes again.',
    );
  }
}

function tagNames(handle: TenantHandle, postId: number): string[] {
  return listPostTags(handle, postId).map((tag) => tag.name);
}

/** The text of the post as it is stored (what readers see, once it is public). */
function liveText(handle: TenantHandle, post: Post): RevisionText {
  return { title: post.title, markdown: post.markdown, excerpt: post.excerpt, tags: tagNames(handle, post.id) };
}

/**
 * The edit of a live post, kept as its pending revision: readers see no change, so nothing is
 * rendered into the post and no cached page is dropped. The pending text it replaces goes into
 * the history; an edit back to the live text leaves nothing pending.
 */
function stageEdit(
  handle: TenantHandle,
  post: Post,
  pending: Revision | undefined,
  text: RevisionText,
  autosave: boolean,
  now: Date,
): void {
  const createdAt = new Date(Math.max(now.getTime(), postVersion(post, pending) + 1));
  handle.sqlite.transaction(() => {
    if (pending && !sameRevisionText(pending, text)) keepRevision(handle, post.id, pending, pending.createdAt, { autosave });
    if (sameRevisionText(liveText(handle, post), text)) deletePendingRevision(handle, post.id);
    else writePendingRevision(handle, post.id, text, createdAt);
  })();
}

const discardSchema = z.object({ action: z.literal('discard-changes'), expectedUpdatedAt: z.number().int().optional() });

function isDiscard(input: unknown): boolean {
  return typeof input === 'object' && input !== null && (input as { action?: unknown }).action === 'discard-changes';
}

/** Throws a live post's pending edit away; it stays in the post's history, restorable. */
function discardPendingChanges(handle: TenantHandle, id: number | undefined, input: unknown): Post {
  const { expectedUpdatedAt } = parseInput(discardSchema, input);
  const post = id === undefined ? undefined : getPost(handle, id);
  if (!post) throw notFoundError('This post no longer exists.');
  const pending = getPendingRevision(handle, post.id);
  checkVersion(post, pending, expectedUpdatedAt);
  if (pending) {
    handle.sqlite.transaction(() => {
      keepRevision(handle, post.id, pending, pending.createdAt);
      deletePendingRevision(handle, post.id);
    })();
  }
  return post;
}

/**
 * The excerpt the author wrote, for the editor's field. A post not saved since excerpts were
 * split in two (schema 8) holds the derived one in both columns: that one is not the author's.
 */
export function authorExcerpt(post: Pick<Post, 'excerpt' | 'autoExcerpt'>): string {
  return post.excerpt === post.autoExcerpt ? '' : post.excerpt;
}

/** What the editor is told after a save: the post's state (as readers see it) and the version to send next. */
export function editorView(handle: TenantHandle, post: Post) {
  const pending = getPendingRevision(handle, post.id);
  return {
    id: post.id,
    slug: post.slug,
    status: shownStatus(post),
    updatedAt: postVersion(post, pending),
    hasPendingChanges: pending !== undefined,
  };
}

/** The CLI's and the demo's way in: a new post, published unless `draft`. */
export function createPost(
  handle: TenantHandle,
  input: Omit<PostForm, 'action' | 'expectedUpdatedAt'> & { draft?: boolean },
): Promise<Post> {
  const { draft, ...form } = input;
  return savePost(handle, undefined, { ...form, action: draft ? 'save' : 'publish' });
}

function setPostTags(handle: TenantHandle, postId: number, names: string[]): void {
  handle.orm.delete(postTags).where(eq(postTags.postId, postId)).run();
  for (const name of names) {
    const slug = slugify(name);
    const tag =
      handle.orm.select().from(tags).where(eq(tags.slug, slug)).get() ?? handle.orm.insert(tags).values({ slug, name }).returning().get();
    handle.orm.insert(postTags).values({ postId, tagId: tag.id }).onConflictDoNothing().run();
  }
}

/** A tag as readers see it: its name, and the slug of its page. */
export type TagRef = { slug: string; name: string };

/** A post's tags, in name order. */
export function listPostTags(handle: TenantHandle, postId: number): TagRef[] {
  return handle
    .statement('posts.tags', () =>
      handle.orm
        .select({ slug: tags.slug, name: tags.name })
        .from(postTags)
        .innerJoin(tags, eq(tags.id, postTags.tagId))
        .where(eq(postTags.postId, sql.placeholder('postId')))
        .orderBy(tags.name)
        .prepare(),
    )
    .all({ postId });
}

/** The tags of several posts (a list page) in one query, each post's in name order. */
export function listTagsOfPosts(handle: TenantHandle, postIds: number[]): Map<number, TagRef[]> {
  const byPost = new Map<number, TagRef[]>(postIds.map((id) => [id, []]));
  if (postIds.length === 0) return byPost;
  const rows = handle
    .statement('posts.tags.many', () =>
      handle.sqlite.prepare(
        `select pt.post_id as postId, t.slug, t.name from post_tags pt join tags t on t.id = pt.tag_id
         where pt.post_id in (select value from json_each(?)) order by t.name`,
      ),
    )
    .all(JSON.stringify(postIds)) as { postId: number; slug: string; name: string }[];
  for (const { postId, slug, name } of rows) byPost.get(postId)?.push({ slug, name });
  return byPost;
}

/** A post to edit; one in the trash is not (restore it first), so it cannot be saved there. */
export function getPost(handle: TenantHandle, id: number): Post | undefined {
  return handle.orm
    .select()
    .from(posts)
    .where(and(eq(posts.id, id), isNull(posts.deletedAt)))
    .get();
}

export type DashboardPost = Pick<Post, 'id' | 'slug' | 'title' | 'status' | 'publishedAt' | 'updatedAt' | 'views'> & {
  /** A live post's edit is staged (its pending revision): readers do not see it yet. */
  hasPendingChanges: boolean;
};

/**
 * Every post for the dashboard but those in the trash, most recently edited first. `status` is
 * as readers see it: a scheduled post whose time has come is published. Whether a post has
 * pending changes is one lookup in the partial index of pending revisions: no text is read.
 */
export function listAllPosts(handle: TenantHandle, now = Date.now()): DashboardPost[] {
  const rows = handle.orm
    .select({
      id: posts.id,
      slug: posts.slug,
      title: posts.title,
      status: posts.status,
      publishedAt: posts.publishedAt,
      updatedAt: posts.updatedAt,
      views: posts.views,
      pendingId: postRevisions.id,
    })
    .from(posts)
    // At most one pending revision a post (a unique index); 'pending' written as a literal so
    // that SQLite may use that partial index, which holds all this join needs.
    .leftJoin(postRevisions, and(eq(postRevisions.postId, posts.id), sql`${postRevisions.kind} = 'pending'`))
    .where(isNull(posts.deletedAt))
    .orderBy(desc(posts.updatedAt))
    .all();
  return rows.map(({ pendingId, ...row }) => ({ ...row, status: shownStatus(row, now), hasPendingChanges: pendingId !== null }));
}

/** Any post holds its address, one in the trash too (a restore puts it back there). */
function slugTaken(handle: TenantHandle, slug: string): boolean {
  return handle.orm.select({ id: posts.id }).from(posts).where(eq(posts.slug, slug)).get() !== undefined;
}

/** Why `slug` cannot be had: another post has it, or one in the trash keeps it. */
function slugTakenMessage(handle: TenantHandle, slug: string): string {
  const holder = handle.orm.select({ deletedAt: posts.deletedAt }).from(posts).where(eq(posts.slug, slug)).get();
  return holder?.deletedAt
    ? 'A post in the trash has this address: restore it or delete it for good first.'
    : `A post with the address "${slug}" already exists.`;
}
