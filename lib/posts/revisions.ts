import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { TenantHandle } from '@/lib/db/pool';
import { postRevisions } from '@/lib/db/schema/tenant';

/**
 * Earlier versions of a post, kept in the blog's file (so they travel in its export): a
 * 'saved' row for each text a save replaced, and at most one 'pending' row, the edit of a live
 * post kept aside until its author publishes it (lib/posts/posts.ts decides when).
 */

/** 'saved' revisions kept per post; the oldest go in the transaction that adds one more. */
export const REVISIONS_MAX = 50;

/**
 * An autosave replacing a text that was itself written less than this long after the newest
 * kept revision keeps no revision of it: typing with pauses would otherwise fill the history
 * with a version every few seconds and push out yesterday's.
 */
const AUTOSAVE_REVISION_GAP_MS = 10 * 60_000;

/** What a revision holds: what the author writes (not the address, cover or status). */
export type RevisionText = { title: string; markdown: string; excerpt: string; tags: string[] };

export type Revision = RevisionText & { id: number; createdAt: Date };
export type RevisionSummary = { id: number; title: string; createdAt: Date };

const tagsJson = z.array(z.string());

/** The stored JSON list of tag names; anything else (an imported file's) reads as none. */
function parseRevisionTags(value: string): string[] {
  try {
    const parsed = tagsJson.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** The same words, whatever order the tags were typed in. */
export function sameRevisionText(a: RevisionText, b: RevisionText): boolean {
  const tags = (text: RevisionText) => [...text.tags].sort().join('\n');
  return a.title === b.title && a.markdown === b.markdown && a.excerpt === b.excerpt && tags(a) === tags(b);
}

function toRevision(row: typeof postRevisions.$inferSelect): Revision {
  return {
    id: row.id,
    title: row.title,
    markdown: row.markdown,
    excerpt: row.excerpt,
    tags: parseRevisionTags(row.tags),
    createdAt: row.createdAt,
  };
}

export function getPendingRevision(handle: TenantHandle, postId: number): Revision | undefined {
  const row = handle
    .statement('revisions.pending', () =>
      handle.orm
        .select()
        .from(postRevisions)
        .where(and(eq(postRevisions.postId, sql.placeholder('postId')), eq(postRevisions.kind, 'pending')))
        .prepare(),
    )
    .get({ postId });
  return row && toRevision(row);
}

/** The edit of a live post that readers do not see yet: written over the previous one. */
export function writePendingRevision(handle: TenantHandle, postId: number, text: RevisionText, createdAt: Date): void {
  const values = { title: text.title, markdown: text.markdown, excerpt: text.excerpt, tags: JSON.stringify(text.tags), createdAt };
  handle.sqlite.transaction(() => {
    const updated = handle.orm
      .update(postRevisions)
      .set(values)
      .where(and(eq(postRevisions.postId, postId), eq(postRevisions.kind, 'pending')))
      .run();
    if (updated.changes === 0)
      handle.orm
        .insert(postRevisions)
        .values({ postId, kind: 'pending', ...values })
        .run();
  })();
}

export function deletePendingRevision(handle: TenantHandle, postId: number): void {
  handle.orm
    .delete(postRevisions)
    .where(and(eq(postRevisions.postId, postId), eq(postRevisions.kind, 'pending')))
    .run();
}

/**
 * Keeps `text`, written at `writtenAt`, as a 'saved' revision, and prunes the post's oldest
 * beyond REVISIONS_MAX (callers run it inside their write's transaction). An autosave keeps
 * one only when the newest kept revision is older than AUTOSAVE_REVISION_GAP_MS.
 */
export function keepRevision(
  handle: TenantHandle,
  postId: number,
  text: RevisionText,
  writtenAt: Date,
  options: { autosave?: boolean } = {},
): void {
  if (options.autosave) {
    const newest = handle.orm
      .select({ createdAt: postRevisions.createdAt })
      .from(postRevisions)
      .where(and(eq(postRevisions.postId, postId), eq(postRevisions.kind, 'saved')))
      .orderBy(desc(postRevisions.createdAt), desc(postRevisions.id))
      .limit(1)
      .get();
    if (newest && writtenAt.getTime() - newest.createdAt.getTime() < AUTOSAVE_REVISION_GAP_MS) return;
  }
  handle.orm
    .insert(postRevisions)
    .values({
      postId,
      kind: 'saved',
      title: text.title,
      markdown: text.markdown,
      excerpt: text.excerpt,
      tags: JSON.stringify(text.tags),
      createdAt: writtenAt,
    })
    .run();
  handle.sqlite
    .prepare(
      `DELETE FROM post_revisions WHERE post_id = ? AND kind = 'saved' AND id NOT IN (
         SELECT id FROM post_revisions WHERE post_id = ? AND kind = 'saved' ORDER BY created_at DESC, id DESC LIMIT ?)`,
    )
    .run(postId, postId, REVISIONS_MAX);
}

/** A post's kept revisions, newest first, without their text: for the History panel's list. */
export function listRevisions(handle: TenantHandle, postId: number): RevisionSummary[] {
  return handle.orm
    .select({ id: postRevisions.id, title: postRevisions.title, createdAt: postRevisions.createdAt })
    .from(postRevisions)
    .where(and(eq(postRevisions.postId, postId), eq(postRevisions.kind, 'saved')))
    .orderBy(desc(postRevisions.createdAt), desc(postRevisions.id))
    .all();
}

/** One kept revision of this post (another post's is not found). */
export function getRevision(handle: TenantHandle, postId: number, revisionId: number): Revision | undefined {
  const row = handle.orm
    .select()
    .from(postRevisions)
    .where(and(eq(postRevisions.id, revisionId), eq(postRevisions.postId, postId), eq(postRevisions.kind, 'saved')))
    .get();
  return row && toRevision(row);
}
