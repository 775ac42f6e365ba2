import { config } from '@/lib/config';
import type { TenantHandle } from '@/lib/db/pool';
import { notFoundError } from '@/lib/http/errors';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { addressOf, removeRedirectAt, removeRedirectsTo, type AddressKind } from '@/lib/posts/redirects';
import { isPublicNow } from '@/lib/posts/status';

/**
 * A blog's trash: deleting a post or page moves it here, for `QUIRE_TRASH_DAYS` (the setting the
 * trash of whole blogs uses), then housekeeping deletes it for good (lib/trash/sweep.ts).
 *
 * A trashed row is a draft (`status = 'draft'`) with `deleted_at` set and its former status kept
 * in `status_before_trash`: every public query already leaves drafts out, so none needed a
 * change, and nothing else about the row moves (its address stays reserved, its published date,
 * tags, comments and statistics stay), so a restore puts it back exactly as it was.
 */

export type TrashKind = AddressKind;

const TABLE: Record<TrashKind, 'posts' | 'pages'> = { post: 'posts', page: 'pages' };
const STATUSES: Record<TrashKind, readonly string[]> = { post: ['draft', 'published', 'scheduled'], page: ['draft', 'published'] };
const DAY_MS = 24 * 60 * 60 * 1000;

/** When something put in the trash at `deletedAt` may be deleted for good. */
function purgeDate(deletedAt: Date, days = config().trashDays): Date {
  return new Date(deletedAt.getTime() + days * DAY_MS);
}

type Row = {
  id: number;
  slug: string;
  status: string;
  published_at: number | null;
  deleted_at: number | null;
  status_before_trash: string | null;
};

function readRow(handle: TenantHandle, kind: TrashKind, id: number): Row | undefined {
  const publishedAt = kind === 'post' ? 'published_at' : 'null as published_at';
  return handle.sqlite
    .prepare(`select id, slug, status, ${publishedAt}, deleted_at, status_before_trash from ${TABLE[kind]} where id = ?`)
    .get(id) as Row | undefined;
}

/** Moves a post or page to the trash; readers stop seeing it at once. */
export function moveToTrash(handle: TenantHandle, kind: TrashKind, id: number, now = new Date()): void {
  const row = readRow(handle, kind, id);
  if (!row || row.deleted_at !== null) throw notFoundError(`This ${kind} no longer exists.`);
  handle.sqlite
    .prepare(`update ${TABLE[kind]} set deleted_at = ?, status_before_trash = status, status = 'draft' where id = ?`)
    .run(now.getTime(), id);
  if (row.status !== 'draft') bumpGeneration(handle.slug);
}

/**
 * Puts a post or page back as it was: its status, date and address. A scheduled post whose time
 * came while it was in the trash is simply published.
 */
export function restoreFromTrash(handle: TenantHandle, kind: TrashKind, id: number, now = new Date()): { status: string } {
  const row = readRow(handle, kind, id);
  if (!row || row.deleted_at === null) throw notFoundError(`This ${kind} is not in the trash.`);
  // A file from elsewhere may say anything here: an unknown status comes back as a draft.
  let status = row.status_before_trash !== null && STATUSES[kind].includes(row.status_before_trash) ? row.status_before_trash : 'draft';
  if (status === 'scheduled' && isPublicNow({ status, publishedAt: row.published_at }, now.getTime())) status = 'published';
  handle.sqlite.transaction(() => {
    handle.sqlite
      .prepare(`update ${TABLE[kind]} set status = ?, deleted_at = null, status_before_trash = null where id = ?`)
      .run(status, id);
    if (status !== 'draft') removeRedirectAt(handle, addressOf(kind, row.slug));
  })();
  if (status !== 'draft') bumpGeneration(handle.slug);
  return { status };
}

/** Deletes a post or page in the trash for good: with a post go its statistics, tags, comments and revisions. */
export function deleteForGood(handle: TenantHandle, kind: TrashKind, id: number): void {
  const row = readRow(handle, kind, id);
  if (!row || row.deleted_at === null) throw notFoundError(`This ${kind} is not in the trash.`);
  if (removeTrashed(handle, kind, row)) bumpGeneration(handle.slug);
}

/** One trashed row gone (in the caller's transaction, if any); true when redirects readers could follow went with it. */
function removeTrashed(handle: TenantHandle, kind: TrashKind, row: Pick<Row, 'id' | 'slug'>): boolean {
  return handle.sqlite.transaction(() => {
    // daily_views has no foreign key (post 0 is the home page): its rows go by hand.
    if (kind === 'post') handle.sqlite.prepare('delete from daily_views where post_id = ?').run(row.id);
    handle.sqlite.prepare(`delete from ${TABLE[kind]} where id = ?`).run(row.id);
    return removeRedirectsTo(handle, addressOf(kind, row.slug));
  })();
}

export type TrashItem = {
  kind: TrashKind;
  id: number;
  title: string;
  slug: string;
  statusBeforeTrash: string;
  deletedAt: Date;
  purgeAt: Date;
};

/** Everything in the blog's trash, most recently deleted first. */
export function listTrash(handle: TenantHandle, days = config().trashDays): TrashItem[] {
  const rows = handle.sqlite
    .prepare(
      `select 'post' as kind, id, title, slug, status_before_trash, deleted_at from posts where deleted_at is not null
       union all
       select 'page' as kind, id, title, slug, status_before_trash, deleted_at from pages where deleted_at is not null
       order by deleted_at desc, kind, id`,
    )
    .all() as { kind: TrashKind; id: number; title: string; slug: string; status_before_trash: string | null; deleted_at: number }[];
  return rows.map((row) => {
    const deletedAt = new Date(row.deleted_at);
    return {
      kind: row.kind,
      id: row.id,
      title: row.title,
      slug: row.slug,
      statusBeforeTrash: row.status_before_trash ?? 'draft',
      deletedAt,
      purgeAt: purgeDate(deletedAt, days),
    };
  });
}

/** How many posts and pages wait in the trash (for the links to it). */
export function countTrash(handle: TenantHandle): number {
  return handle.sqlite
    .prepare('select (select count(*) from posts where deleted_at is not null) + (select count(*) from pages where deleted_at is not null)')
    .pluck()
    .get() as number;
}

/** The time the oldest thing in the trash was put there, or null when the trash is empty. */
export function oldestInTrash(handle: TenantHandle): number | null {
  return handle.sqlite
    .prepare('select min(t) from (select min(deleted_at) as t from posts union all select min(deleted_at) from pages)')
    .pluck()
    .get() as number | null;
}

/** Deletes for good what was put in the trash at or before `cutoff` (ms); how many went. */
export function purgeExpiredTrash(handle: TenantHandle, cutoff: number): number {
  let purged = 0;
  let redirectsGone = false;
  handle.sqlite.transaction(() => {
    for (const kind of ['post', 'page'] as const) {
      const rows = handle.sqlite
        .prepare(`select id, slug from ${TABLE[kind]} where deleted_at is not null and deleted_at <= ?`)
        .all(cutoff) as Pick<Row, 'id' | 'slug'>[];
      for (const row of rows) {
        redirectsGone = removeTrashed(handle, kind, row) || redirectsGone;
        purged++;
      }
    }
  })();
  if (redirectsGone) bumpGeneration(handle.slug);
  return purged;
}
