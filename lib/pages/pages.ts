import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { TenantHandle } from '@/lib/db/pool';
import { pages, type Page } from '@/lib/db/schema/tenant';
import { conflict, notFoundError } from '@/lib/http/errors';
import { InputError, parseInput } from '@/lib/input';
import { renderMarkdownOffThread } from '@/lib/markdown/off-thread';
import { mediaImageTable } from '@/lib/media/media';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { recordAddressChange } from '@/lib/posts/redirects';
import { postSlugSchema, slugify, uniqueSlug } from '@/lib/posts/slug';
import { POST_MARKDOWN_MAX, POST_TITLE_MAX } from '@/lib/input/lengths';

/**
 * Static pages ("About", "Now"), served at `/<slug>` on the blog and listed in its navigation.
 * Their addresses may not shadow the blog's own routes.
 */
export const RESERVED_PAGE_SLUGS: ReadonlySet<string> = new Set([
  'posts',
  'api',
  'sites',
  'feed',
  'rss',
  'atom',
  'tags',
  'tag',
  'page',
  'search',
  'sitemap',
  'robots',
  'comments',
  'subscribe',
  'unsubscribe',
]);

const pageFormSchema = z.object({
  title: z.string().trim().min(1, 'A page needs a title.').max(POST_TITLE_MAX, `A title is at most ${POST_TITLE_MAX} characters.`),
  slug: z.union([z.literal(''), postSlugSchema]).optional(),
  markdown: z
    .string()
    .max(POST_MARKDOWN_MAX, `A page is at most ${POST_MARKDOWN_MAX.toLocaleString('en')} characters of Markdown.`)
    .refine((text) => text.trim().length > 0, 'A page needs some text.'),
  navOrder: z.coerce.number().int().min(0).max(1000).default(0),
  action: z.enum(['save', 'publish', 'unpublish']).default('save'),
  expectedUpdatedAt: z.number().int().optional(),
});

/** What the page routes save: named when the disk has no room for it (lib/http `errorReply`). */
export const SAVING_A_PAGE = { saving: 'your page' };

export async function savePage(handle: TenantHandle, id: number | undefined, input: unknown, now = new Date()): Promise<Page> {
  const form = parseInput(pageFormSchema, input);
  // Rendered first, off the serving thread; the checks and the write below run without a pause.
  const rendered = await renderMarkdownOffThread(form.markdown, mediaImageTable(handle.sqlite, form.markdown));
  const existing = id === undefined ? undefined : getPage(handle, id);
  if (id !== undefined && !existing) throw notFoundError('This page no longer exists.');
  if (existing && form.expectedUpdatedAt !== undefined && form.expectedUpdatedAt !== existing.updatedAt.getTime()) {
    throw conflict(
      'This page was changed elsewhere since you opened it. Your text is still here: copy it, reload the page, and apply your changes again.',
    );
  }
  const isTaken = (slug: string) => RESERVED_PAGE_SLUGS.has(slug) || slugTaken(handle, slug);
  const slug = form.slug || existing?.slug || uniqueSlug(slugify(form.title) || 'page', isTaken);
  if (slug !== existing?.slug && isTaken(slug)) {
    throw new InputError(RESERVED_PAGE_SLUGS.has(slug) ? `"${slug}" is reserved for the blog itself.` : slugTakenMessage(handle, slug));
  }
  const status = form.action === 'save' ? (existing?.status ?? 'draft') : form.action === 'publish' ? 'published' : 'draft';
  const values = {
    slug,
    title: form.title,
    markdown: form.markdown,
    html: rendered.html,
    status,
    navOrder: form.navOrder,
    updatedAt: new Date(Math.max(now.getTime(), (existing?.updatedAt.getTime() ?? 0) + 1)),
  } as const;
  const saved = handle.sqlite.transaction(() => {
    const row = existing
      ? handle.orm.update(pages).set(values).where(eq(pages.id, existing.id)).returning().get()
      : handle.orm
          .insert(pages)
          .values({ ...values, createdAt: now })
          .returning()
          .get();
    recordAddressChange(handle, 'page', existing, row, now);
    return row;
  })();
  // Published pages appear in every page's navigation.
  if (status === 'published' || existing?.status === 'published') bumpGeneration(handle.slug);
  return saved;
}

/** A page to edit; one in the trash is not (restore it first). */
export function getPage(handle: TenantHandle, id: number): Page | undefined {
  return handle.orm
    .select()
    .from(pages)
    .where(and(eq(pages.id, id), isNull(pages.deletedAt)))
    .get();
}

/** Every page but those in the trash, in navigation order: the dashboard's list, the Markdown export. */
export function listAllPages(handle: TenantHandle): Page[] {
  return handle.orm.select().from(pages).where(isNull(pages.deletedAt)).orderBy(asc(pages.navOrder), asc(pages.title)).all();
}

export type NavPage = Pick<Page, 'slug' | 'title' | 'updatedAt'>;

/** The blog's navigation, which is every published page, in the chosen order. */
export function listNavPages(handle: TenantHandle): NavPage[] {
  return handle
    .statement('pages.nav', () =>
      handle.orm
        .select({ slug: pages.slug, title: pages.title, updatedAt: pages.updatedAt })
        .from(pages)
        .where(eq(pages.status, 'published'))
        .orderBy(asc(pages.navOrder), asc(pages.title))
        .prepare(),
    )
    .all();
}

export function getPublishedPage(handle: TenantHandle, slug: string): Pick<Page, 'title' | 'html' | 'updatedAt'> | undefined {
  return handle
    .statement('pages.publicBySlug', () =>
      handle.orm
        .select({ title: pages.title, html: pages.html, updatedAt: pages.updatedAt })
        .from(pages)
        .where(and(eq(pages.slug, sql.placeholder('slug')), eq(pages.status, 'published')))
        .prepare(),
    )
    .get({ slug });
}

/** Any page holds its address, one in the trash too (a restore puts it back there). */
function slugTaken(handle: TenantHandle, slug: string): boolean {
  return handle.orm.select({ id: pages.id }).from(pages).where(eq(pages.slug, slug)).get() !== undefined;
}

function slugTakenMessage(handle: TenantHandle, slug: string): string {
  const holder = handle.orm.select({ deletedAt: pages.deletedAt }).from(pages).where(eq(pages.slug, slug)).get();
  return holder?.deletedAt
    ? 'A page in the trash has this address: restore it or delete it for good first.'
    : `A page with the address "${slug}" already exists.`;
}
