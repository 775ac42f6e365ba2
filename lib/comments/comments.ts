import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { readSettings } from '@/lib/blogs/blogs';
import type { TenantHandle } from '@/lib/db/pool';
import { comments, posts, type Comment } from '@/lib/db/schema/tenant';
import { forbidden, notFoundError } from '@/lib/http/errors';
import { parseInput } from '@/lib/input';
import { renderCommentOffThread } from '@/lib/markdown/off-thread';
import { renderComment } from '@/lib/markdown/render';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { getPublishedPost } from '@/lib/posts/public';
import {
  COMMENT_BODY_MAX,
  COMMENT_FIELDS,
  COMMENT_NAME_MAX,
  COMMENT_WEBSITE_MAX,
  commentReceivedPath,
  type CommentReceipt,
} from './fields';
import { countComment } from './limits';
import { noticeAwaitingComment } from './notices';

export type CommentStatus = Comment['status'];
export const COMMENT_STATUSES = ['pending', 'approved', 'spam'] as const satisfies readonly CommentStatus[];

const nameSchema = z
  .string({ error: 'Please give your name.' })
  // One line: runs of spaces, tabs, newlines and control characters become one space.
  .overwrite((name) => name.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim())
  .min(1, 'Please give your name.')
  .max(COMMENT_NAME_MAX, `A name is at most ${COMMENT_NAME_MAX} characters.`);

/**
 * A commenter's website: none (empty), or an http(s) address stored as the URL parser writes it;
 * anything else is refused.
 */
export const commentWebsiteSchema = z
  .string()
  .trim()
  .max(COMMENT_WEBSITE_MAX, `A website address is at most ${COMMENT_WEBSITE_MAX} characters.`)
  .transform((value, ctx) => {
    if (value === '') return null;
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
      ctx.addIssue({ code: 'custom', message: 'A website must be an address starting with http:// or https://.' });
      return z.NEVER;
    }
    if (url.href.length > COMMENT_WEBSITE_MAX) {
      ctx.addIssue({ code: 'custom', message: `A website address is at most ${COMMENT_WEBSITE_MAX} characters.` });
      return z.NEVER;
    }
    return url.href;
  });

const bodySchema = z
  .string({ error: 'Please write a comment.' })
  // Browsers send a textarea's line breaks as CRLF; count and keep them as one character.
  .overwrite((body) => body.replace(/\r\n?/g, '\n').trim())
  .min(1, 'Please write a comment.')
  .max(COMMENT_BODY_MAX, `A comment is at most ${COMMENT_BODY_MAX.toLocaleString('en')} characters.`);

const commentFormSchema = z.object({
  [COMMENT_FIELDS.post]: z
    .string({ error: 'Choose a post to comment on.' })
    .max(200, 'This post does not exist or does not take comments.'),
  [COMMENT_FIELDS.name]: nameSchema,
  [COMMENT_FIELDS.website]: commentWebsiteSchema.optional(),
  [COMMENT_FIELDS.body]: bodySchema,
  [COMMENT_FIELDS.honeypot]: z.string().optional(),
});

/**
 * A reader's comment from the form on a post page. Comments must be open, the post public,
 * the reader within the rate limits. Held for moderation unless the blog approves at once (then
 * the cached pages are retired). A bot that filled in the hidden field gets the answer a person
 * would, and nothing is stored. The reader's address is only counted, never stored.
 */
export async function submitComment(
  handle: TenantHandle,
  input: unknown,
  reader: { ip: string },
  now = new Date(),
): Promise<CommentReceipt> {
  const mode = readSettings(handle).comments;
  if (mode === 'off') throw forbidden('Comments are closed on this blog.');
  const form = parseInput(commentFormSchema, input);
  const post = getPublishedPost(handle, form.post);
  if (!post) throw notFoundError('This post does not exist or does not take comments.');
  const status = mode === 'auto' ? 'approved' : 'pending';
  const receipt: CommentReceipt = { status, location: commentReceivedPath(post.slug) };
  if (form[COMMENT_FIELDS.honeypot]) return receipt;

  countComment(reader.ip, `${handle.slug}/${post.id}`, now.getTime());
  const body = form[COMMENT_FIELDS.body];
  // Rendered off the serving thread under the render deadline; the post is looked up again
  // after, since it may have been unpublished meanwhile.
  const html = await renderCommentOffThread(body);
  if (!getPublishedPost(handle, form.post)) throw notFoundError('This post does not exist or does not take comments.');
  handle.orm
    .insert(comments)
    .values({
      postId: post.id,
      authorName: form[COMMENT_FIELDS.name],
      authorUrl: form[COMMENT_FIELDS.website] ?? null,
      body,
      html,
      status,
      createdAt: now,
    })
    .run();
  if (status === 'approved') bumpGeneration(handle.slug);
  // Approved at once: nothing awaits anyone, so no mail (the blog chose not to moderate).
  else await noticeAwaitingComment(handle.slug, { postTitle: post.title, authorName: form[COMMENT_FIELDS.name], body, createdAt: now });
  return receipt;
}

// ── What readers see ─────────────────────────────────────────────────────────────────────

export type PublicComment = Pick<Comment, 'id' | 'authorName' | 'authorUrl' | 'html' | 'createdAt'>;

const publicColumns = {
  id: comments.id,
  authorName: comments.authorName,
  authorUrl: comments.authorUrl,
  html: comments.html,
  createdAt: comments.createdAt,
};

/** A post's approved comments, oldest first. */
export function approvedComments(handle: TenantHandle, postId: number): PublicComment[] {
  return handle
    .statement('comments.approved', () =>
      handle.orm
        .select(publicColumns)
        .from(comments)
        .where(and(eq(comments.postId, sql.placeholder('postId')), eq(comments.status, 'approved')))
        .orderBy(asc(comments.createdAt), asc(comments.id))
        .prepare(),
    )
    .all({ postId });
}

export function approvedCommentCount(handle: TenantHandle, postId: number): number {
  return handle
    .statement('comments.approvedCount', () =>
      handle.orm
        .select({ n: sql<number>`count(*)` })
        .from(comments)
        .where(and(eq(comments.postId, sql.placeholder('postId')), eq(comments.status, 'approved')))
        .prepare(),
    )
    .get({ postId })!.n;
}

// Built once: constructing an Intl formatter costs more than a render's own work (toLocaleString builds one a call).
const countFormat = new Intl.NumberFormat('en');

/** "1 comment", "3 comments". */
export function commentCountLabel(count: number): string {
  return count === 1 ? '1 comment' : `${countFormat.format(count)} comments`;
}

// ── Moderation ───────────────────────────────────────────────────────────────────────────

export type QueuedComment = PublicComment & { status: CommentStatus; postTitle: string; postSlug: string };

/** The most comments one tab of the moderation page lists. */
export const MODERATION_LIST_MAX = 100;

/**
 * Comments with one status for the dashboard: the pending queue oldest first (in the order
 * they came), approved and spam newest first.
 */
export function moderationList(handle: TenantHandle, status: CommentStatus): QueuedComment[] {
  const order = status === 'pending' ? [asc(comments.createdAt), asc(comments.id)] : [desc(comments.createdAt), desc(comments.id)];
  return handle.orm
    .select({ ...publicColumns, status: comments.status, postTitle: posts.title, postSlug: posts.slug })
    .from(comments)
    .innerJoin(posts, eq(posts.id, comments.postId))
    .where(eq(comments.status, status))
    .orderBy(...order)
    .limit(MODERATION_LIST_MAX)
    .all();
}

export function commentCounts(handle: TenantHandle): Record<CommentStatus, number> {
  const counts: Record<CommentStatus, number> = { pending: 0, approved: 0, spam: 0 };
  const rows = handle.orm
    .select({ status: comments.status, n: sql<number>`count(*)` })
    .from(comments)
    .groupBy(comments.status)
    .all();
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}

/** For the dashboard's navigation. */
export function pendingCommentCount(handle: TenantHandle): number {
  return handle
    .statement('comments.pendingCount', () =>
      handle.orm
        .select({ n: sql<number>`count(*)` })
        .from(comments)
        .where(eq(comments.status, 'pending'))
        .prepare(),
    )
    .get()!.n;
}

const moderationSchema = z.object({
  status: z.enum(COMMENT_STATUSES, { error: 'A comment is pending, approved or spam.' }),
});

/** Approve, hold, or mark as spam. Readers' pages change only when approval changes. */
export function setCommentStatus(handle: TenantHandle, id: number, input: unknown): CommentStatus {
  const { status } = parseInput(moderationSchema, input);
  const existing = findComment(handle, id);
  handle.orm.update(comments).set({ status }).where(eq(comments.id, id)).run();
  if ((existing.status === 'approved') !== (status === 'approved')) bumpGeneration(handle.slug);
  return status;
}

export function deleteComment(handle: TenantHandle, id: number): void {
  const existing = findComment(handle, id);
  handle.orm.delete(comments).where(eq(comments.id, id)).run();
  if (existing.status === 'approved') bumpGeneration(handle.slug);
}

function findComment(handle: TenantHandle, id: number): Pick<Comment, 'status'> {
  const row = handle.orm.select({ status: comments.status }).from(comments).where(eq(comments.id, id)).get();
  if (!row) throw notFoundError('This comment no longer exists.');
  return row;
}

// ── The Markdown export ──────────────────────────────────────────────────────────────────

/** A comment as the Markdown export writes it (`comments/<post-slug>.yaml`, a YAML list). */
const exportedCommentSchema = z.object({
  name: nameSchema,
  website: commentWebsiteSchema.nullish(),
  date: z.coerce.date({ error: 'A comment needs a valid date.' }),
  body: bodySchema,
});

export type ExportedComment = z.input<typeof exportedCommentSchema>;

/** A post's approved comments as the Markdown export writes them, oldest first. */
export function commentsForExport(handle: TenantHandle, postId: number): ExportedComment[] {
  return handle.orm
    .select({ name: comments.authorName, website: comments.authorUrl, createdAt: comments.createdAt, body: comments.body })
    .from(comments)
    .where(and(eq(comments.postId, postId), eq(comments.status, 'approved')))
    .orderBy(asc(comments.createdAt), asc(comments.id))
    .all()
    .map((c) => ({ name: c.name, website: c.website, date: c.createdAt.toISOString(), body: c.body }));
}

/**
 * Comments read back from a Markdown export into a blog being prepared: checked like a
 * reader's, rendered again, approved (only approved comments are exported). Runs in the import
 * pipeline's worker thread (lib/export/prepare.ts), so it renders right here.
 */
export function importComments(handle: TenantHandle, postSlug: string, list: unknown): void {
  const entries = parseInput(z.array(exportedCommentSchema, { error: 'Comments must be a list.' }), list);
  const post = handle.orm.select({ id: posts.id }).from(posts).where(eq(posts.slug, postSlug)).get();
  if (!post) throw notFoundError(`There is no post "${postSlug}" for these comments.`);
  for (const entry of entries) {
    handle.orm
      .insert(comments)
      .values({
        postId: post.id,
        authorName: entry.name,
        authorUrl: entry.website ?? null,
        body: entry.body,
        html: renderComment(entry.body),
        status: 'approved',
        createdAt: entry.date,
      })
      .run();
  }
}
