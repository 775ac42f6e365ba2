import { z } from 'zod';
import { writeSettings } from '@/lib/blogs/blogs';
import { blogPaths } from '@/lib/blogs/address';
import { importComments } from '@/lib/comments/comments';
import { COMMENT_BODY_MAX, COMMENT_NAME_MAX } from '@/lib/comments/fields';
import { removeQuietly } from '@/lib/db/paths';
import { createTenantFile, openDetachedTenant, type TenantHandle } from '@/lib/db/pool';
import { isOutOfDiskSpace } from '@/lib/http/errors';
import { InputError } from '@/lib/input';
import {
  AUTHOR_NAME_MAX,
  BLOG_DESCRIPTION_MAX,
  BLOG_TITLE_MAX,
  POST_EXCERPT_MAX,
  POST_MARKDOWN_MAX,
  POST_TITLE_MAX,
  TAGS_MAX,
  TAG_MAX,
} from '@/lib/input/lengths';
import { htmlToText } from '@/lib/markdown/render';
import { RESERVED_PAGE_SLUGS, savePage } from '@/lib/pages/pages';
import { savePost } from '@/lib/posts/posts';
import { redirectPathProblem } from '@/lib/posts/redirects';
import { slugify, uniqueSlug } from '@/lib/posts/slug';
import { openSource } from './detect';
import { htmlToMarkdown } from './html-to-markdown';
import { ImageImporter, imageKey, imageOrigin, imageUrlsInHtml, imageUrlsInMarkdown, replaceUrls, type ImageFailure } from './images';
import { mergeIntoBlog, readTakenAddresses, type TakenAddresses } from './merge';
import { IMPORT_LIMITS, SOURCE_NAMES, type ImportedItem, type ImportSource, type ImportSourceKind } from './source';
import { checkDeadline } from '@/lib/workers/deadline';

/**
 * An import from another platform, run in a worker thread of the bulk lane (docs/architecture.md,
 * "Moving in"). The export is read one item at a time; each becomes a post or page written by
 * the same code as the editor's (`savePost`, `savePage`: checked, rendered, sanitized), with its
 * original date and address, its tags, approved comments and images, and its old addresses as
 * redirects. Everything is written into a scratch blog file in one transaction; the result is
 * adopted as a new blog or merged into an existing one in one transaction (`merge.ts`), so an
 * import happens whole or not at all. A dry run reads everything and writes nothing.
 */

export type ImportReport = {
  source: ImportSourceKind;
  sourceName: string;
  siteTitle?: string;
  dryRun: boolean;
  posts: number;
  pages: number;
  drafts: number;
  scheduled: number;
  tags: number;
  comments: number;
  redirects: number;
  skipped: number;
  /** `failed` lists the first IMPORT_LIMITS.warnings of the `failedCount` images that cannot be had. */
  images: { found: number; inExport: number; toFetch: number; stored: number; failed: ImageFailure[]; failedCount: number };
  warnings: string[];
  /** All warnings, also those past the ones kept. */
  warningCount: number;
  seconds: number;
};

export type ImportProgress = {
  items: number;
  expected?: number;
  images: number;
  imagesFailed: number;
  phase: 'reading' | 'writing' | 'merging';
};

export const importJobSchema = z.object({
  upload: z.string(),
  /** A scratch path for the blog file being built; adopted as a new blog when `into` is absent. */
  staging: z.string(),
  dryRun: z.boolean(),
  /** The live file of the blog to import into; absent: a new blog. */
  into: z.string().optional(),
  /** The item count from the dry run, for progress. */
  expected: z.number().int().optional(),
  /** The old site's address, for exports that do not say it (Ghost's): its images can then be fetched. */
  siteUrl: z.string().optional(),
});

export type ImportJob = z.infer<typeof importJobSchema>;

/** Imported rows are numbered above the blog's own by this much, so they are merged as they are. */
const IMPORTED_ID_GAP = 10_000;

export async function runImport(job: ImportJob, deadlineAt: number, report: (progress: ImportProgress) => void): Promise<ImportReport> {
  const started = Date.now();
  const source = await openSource(job.upload, deadlineAt);
  if (job.siteUrl && !source.site.url) source.site.url = job.siteUrl;
  let handle: TenantHandle | undefined;
  try {
    const taken = job.into ? readTakenAddresses(job.into) : emptyTaken();
    if (!job.dryRun) {
      createTenantFile('import', job.staging);
      handle = openDetachedTenant(job.staging, 'import');
      if (job.into) reserveIds(handle, taken);
      handle.sqlite.exec('BEGIN');
      if (!job.into) writeSiteSettings(handle, source);
    }
    const result = await importItems(source, handle, taken, job, deadlineAt, report);
    if (handle) {
      handle.sqlite.exec('COMMIT');
      handle.sqlite.close();
      handle = undefined;
      if (job.into) {
        report({ ...result.progress, phase: 'merging' });
        mergeIntoBlog(job.staging, job.into);
      }
    }
    return { ...result.report, seconds: Math.round((Date.now() - started) / 100) / 10 };
  } catch (error) {
    if (handle?.sqlite.inTransaction) handle.sqlite.exec('ROLLBACK');
    handle?.sqlite.close();
    if (!job.dryRun) removeQuietly(job.staging);
    if (error instanceof InputError || isOutOfDiskSpace(error)) throw error;
    throw error;
  } finally {
    await source.close();
  }
}

function emptyTaken(): TakenAddresses {
  return { posts: new Set(), pages: new Set(), tags: new Set(), redirects: new Set(), maxIds: {} };
}

/** New rows start above the live blog's, with room for what the blog gains while the import runs. */
function reserveIds(handle: TenantHandle, taken: TakenAddresses): void {
  // sqlite_sequence has no key: one row per table, replaced by hand.
  const drop = handle.sqlite.prepare('delete from sqlite_sequence where name = ?');
  const set = handle.sqlite.prepare('insert into sqlite_sequence (name, seq) values (?, ?)');
  for (const [table, max] of Object.entries(taken.maxIds)) {
    drop.run(table);
    set.run(table, max + IMPORTED_ID_GAP);
  }
}

function writeSiteSettings(handle: TenantHandle, source: ImportSource): void {
  const title = clip(oneLine(source.site.title ?? ''), BLOG_TITLE_MAX);
  const description = clip(oneLine(source.site.description ?? ''), BLOG_DESCRIPTION_MAX);
  writeSettings(handle, { ...(title ? { title } : {}), ...(description ? { description } : {}) });
}

type Counts = Omit<ImportReport, 'seconds'>;

async function importItems(
  source: ImportSource,
  handle: TenantHandle | undefined,
  taken: TakenAddresses,
  job: ImportJob,
  deadlineAt: number,
  report: (progress: ImportProgress) => void,
): Promise<{ report: Counts; progress: ImportProgress }> {
  const counts: Counts = {
    source: source.kind,
    sourceName: SOURCE_NAMES[source.kind],
    siteTitle: source.site.title,
    dryRun: job.dryRun,
    posts: 0,
    pages: 0,
    drafts: 0,
    scheduled: 0,
    tags: 0,
    comments: 0,
    redirects: 0,
    skipped: 0,
    images: { found: 0, inExport: 0, toFetch: 0, stored: 0, failed: [], failedCount: 0 },
    warnings: [],
    warningCount: 0,
  };
  const warn = (text: string) => {
    counts.warningCount++;
    if (counts.warnings.length < IMPORT_LIMITS.warnings) counts.warnings.push(text);
  };
  const images = handle ? new ImageImporter(handle, source) : undefined;
  const seenImages = new Set<string>();
  const cannotHave = (failure: ImageFailure) => {
    if (counts.images.failedCount++ < IMPORT_LIMITS.warnings) counts.images.failed.push(failure);
  };
  const tagNames = new Set<string>();
  const postSlugs = new Set<string>(taken.posts);
  const pageSlugs = new Set<string>(taken.pages);
  const redirects = new Map<string, string>();
  const authors = new Set<string>();
  const progress: ImportProgress = {
    items: 0,
    expected: job.expected,
    images: 0,
    imagesFailed: 0,
    phase: job.dryRun ? 'reading' : 'writing',
  };
  let lastReport = 0;
  let items = 0;
  let written = 0;
  const pending: PendingItem[] = [];

  const writeItem = async (entry: PendingItem): Promise<void> => {
    const { item, label, prepared, cover } = entry;
    written++;
    const moved = await entry.moved;
    const body = replaceUrls('html' in item.body ? item.body.html : item.body.markdown, moved);
    const coverPath = cover ? moved.get(cover) : undefined;
    if (images) {
      progress.images = images.stored;
      progress.imagesFailed = images.failures.length;
    }
    let markdown = body;
    try {
      if ('html' in item.body) markdown = htmlToMarkdown(body, label);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      warn(`${error.message} It was left out.`);
      counts.skipped++;
      return;
    }
    if (markdown.length > POST_MARKDOWN_MAX) {
      warn(`${label} is longer than ${POST_MARKDOWN_MAX.toLocaleString('en')} characters of Markdown; it was left out.`);
      counts.skipped++;
      return;
    }
    const text = markdown.trim() ? markdown : '(This post had no text.)';
    if (!markdown.trim()) warn(`${label} has no text; it gets a line saying so.`);

    const tags = prepared.tags;
    tags.forEach((t) => tagNames.add(slugify(t)));
    if (handle) {
      const coverMediaId = coverPath ? Number(/^\/media\/(\d+)\//.exec(coverPath)?.[1]) : undefined;
      if (item.kind === 'post') {
        await savePost(
          handle,
          undefined,
          {
            title: prepared.title,
            slug: prepared.slug,
            markdown: text,
            excerpt: prepared.excerpt,
            tags,
            action: prepared.status === 'draft' ? 'save' : prepared.status === 'scheduled' ? 'schedule' : 'publish',
            publishAt: prepared.status === 'draft' ? undefined : prepared.publishedAt?.toISOString(),
            coverMediaId,
          },
          prepared.updatedAt ?? prepared.publishedAt ?? new Date(),
        );
        counts.comments += importItemComments(handle, prepared.slug, item, label, warn);
      } else {
        await savePage(
          handle,
          undefined,
          { title: prepared.title, slug: prepared.slug, markdown: text, action: prepared.status === 'draft' ? 'save' : 'publish' },
          prepared.updatedAt ?? prepared.publishedAt ?? new Date(),
        );
      }
    } else if (item.kind === 'post') counts.comments += Math.min(item.comments.length, IMPORT_LIMITS.commentsPerItem);

    if (item.kind === 'post') counts.posts++;
    else counts.pages++;
    if (prepared.status === 'draft') counts.drafts++;
    if (prepared.status === 'scheduled') counts.scheduled++;
    // Old addresses of what readers can see lead to the new one.
    if (prepared.status !== 'draft') {
      const target = item.kind === 'post' ? blogPaths.post(prepared.slug) : blogPaths.page(prepared.slug);
      for (const old of item.oldPaths.slice(0, IMPORT_LIMITS.oldPathsPerItem)) {
        const path = oldPath(old);
        if (path && path !== target && !redirects.has(path)) redirects.set(path, target);
      }
    }
  };

  for await (const item of source.items()) {
    checkDeadline(deadlineAt);
    if (++items > IMPORT_LIMITS.items)
      throw new InputError(`This export has more than ${IMPORT_LIMITS.items.toLocaleString('en')} posts and pages.`);
    const label = `${item.kind === 'page' ? 'Page' : 'Post'} “${clip(item.title, 80) || item.sourceId}”`;
    item.warnings.forEach((w) => warn(`${label}: ${w}`));
    item.authors.forEach((a) => authors.size < 100 && authors.add(clip(oneLine(a), AUTHOR_NAME_MAX)));
    const prepared = prepareItem(item, label, warn, postSlugs, pageSlugs);
    if (!prepared) {
      counts.skipped++;
      continue;
    }
    // Images: where each would come from (dry run), or brought in now, the text pointing at them.
    const urls = 'html' in item.body ? imageUrlsInHtml(item.body.html) : imageUrlsInMarkdown(item.body.markdown);
    const cover = item.featureImage?.url.trim();
    const all = cover ? [...new Set([...urls, cover])] : urls;
    for (const url of all) {
      const key = imageKey(url, item);
      if (seenImages.has(key)) continue;
      seenImages.add(key);
      counts.images.found++;
      if (!images) {
        let inExport = false;
        try {
          inExport = (await source.localFile?.(url, item)) !== undefined;
        } catch (error) {
          if (!(error instanceof InputError)) throw error;
          cannotHave({ url: clip(url, 500), where: label, reason: error.message });
          continue;
        }
        const origin = imageOrigin(url, source.site.url, inExport);
        if (origin.from === 'export') counts.images.inExport++;
        else if (origin.from === 'web') counts.images.toFetch++;
        else cannotHave({ url: clip(url, 500), where: label, reason: origin.reason });
      }
    }
    // Its images are brought in while the items before it are written (LOOKAHEAD).
    const moved = images ? resolveImages(images, item, all) : Promise.resolve(new Map<string, string>());
    moved.catch(() => undefined); // awaited in order below; a failure is thrown there
    pending.push({ item, label, prepared, cover, moved });
    if (pending.length > LOOKAHEAD) await writeItem(pending.shift()!);
    progress.items = items;
    if (Date.now() - lastReport > 250) {
      lastReport = Date.now();
      report({ ...progress, items: written });
    }
  }
  while (pending.length > 0) await writeItem(pending.shift()!);

  // Some readers learn of the export's own warnings only as they read it.
  source.site.warnings.forEach(warn);
  for (const { path: raw, tag } of source.site.tagPaths) {
    const path = oldPath(raw);
    const slug = slugify(tag);
    if (path && slug && tagNames.has(slug) && !redirects.has(path)) redirects.set(path, blogPaths.tag(slug));
  }
  // A redirect never shadows a live address (lib/posts/redirects.ts).
  // WordPress's `/tag/x/` is Quire's `/tag/x` once its slash is dropped: leading it there would loop.
  const live = new Set([
    ...[...postSlugs].map((s) => blogPaths.post(s)),
    ...[...pageSlugs].map((s) => blogPaths.page(s)),
    ...[...tagNames, ...taken.tags].map((s) => blogPaths.tag(s)),
    '/',
  ]);
  for (const path of [...redirects.keys()]) {
    if (live.has(path) || taken.redirects.has(path) || shadowsBlogRoute(path)) redirects.delete(path);
  }
  if (handle) {
    const insert = handle.sqlite.prepare('insert or ignore into redirects (path, target, created_at) values (?, ?, ?)');
    const now = Date.now();
    for (const [path, target] of redirects) insert.run(path, target, now);
  }
  // Quire names one author per blog: an export by one person names the new blog's.
  if (authors.size === 1 && handle && !job.into) writeSettings(handle, { authorName: [...authors][0]! });
  if (authors.size > 1)
    warn(
      `This export has ${authors.size} authors (${[...authors].slice(0, 5).join(', ')}${authors.size > 5 ? ', …' : ''}); Quire shows the blog's author name on every post.`,
    );
  counts.redirects = redirects.size;
  counts.tags = tagNames.size;
  if (images) {
    counts.images.stored = images.stored;
    counts.images.failed = images.failures.slice(0, IMPORT_LIMITS.warnings);
    counts.images.failedCount = images.failures.length;
  }
  if (items === 0) throw new InputError('This export has no posts or pages.');
  return { report: counts, progress };
}

/** Items read ahead of the one being written, so that their images arrive meanwhile. */
const LOOKAHEAD = 16;

type PendingItem = {
  item: ImportedItem;
  label: string;
  prepared: PreparedItem;
  cover: string | undefined;
  moved: Promise<Map<string, string>>;
};

/** Each of the item's images in the blog: its URL as written → the blog's address of it. */
async function resolveImages(images: ImageImporter, item: ImportedItem, urls: string[]): Promise<Map<string, string>> {
  const moved = new Map<string, string>();
  await Promise.all(
    urls.map(async (url) => {
      const path = await images.resolve(url, item);
      if (path) moved.set(url, path);
    }),
  );
  return moved;
}

type PreparedItem = {
  title: string;
  slug: string;
  status: 'published' | 'draft' | 'scheduled';
  publishedAt?: Date;
  updatedAt?: Date;
  excerpt?: string;
  tags: string[];
};

/** The item held to the editor's rules, each change said once; undefined: left out (said why). */
function prepareItem(
  item: ImportedItem,
  label: string,
  warn: (text: string) => void,
  postSlugs: Set<string>,
  pageSlugs: Set<string>,
): PreparedItem | undefined {
  let title = oneLine(item.title);
  if (!title) {
    title = 'Untitled';
    warn(`${label} has no title; it is called “Untitled”.`);
  } else if (title.length > POST_TITLE_MAX) {
    title = clip(title, POST_TITLE_MAX);
    warn(`${label}: its title was shortened to ${POST_TITLE_MAX} characters.`);
  }
  const now = Date.now();
  let status: PreparedItem['status'];
  if (item.status === 'private') {
    status = 'draft';
    warn(`${label} was private; it is imported as a draft.`);
  } else if (item.status === 'scheduled') {
    status = item.publishedAt && item.publishedAt.getTime() > now ? 'scheduled' : 'published';
  } else status = item.status;
  if (status === 'published' && item.publishedAt && item.publishedAt.getTime() > now) status = 'scheduled';
  if (item.kind === 'page' && status === 'scheduled') status = 'published';
  const validDate = (d: Date | undefined) => (d && Number.isFinite(d.getTime()) ? d : undefined);
  const publishedAt = validDate(item.publishedAt);
  if (status !== 'draft' && !publishedAt) warn(`${label} has no date; it is dated now.`);

  const slugs = item.kind === 'post' ? postSlugs : pageSlugs;
  const isTaken = (s: string) => slugs.has(s) || (item.kind === 'page' && RESERVED_PAGE_SLUGS.has(s));
  const wanted = slugify(item.slug) || slugify(title) || (item.kind === 'post' ? 'post' : 'page');
  const slug = uniqueSlug(wanted, isTaken);
  if (item.slug && slug !== item.slug) warn(`${label}: its address “${clip(item.slug, 80)}” becomes “${slug}”.`);
  slugs.add(slug);

  const names = [
    ...new Map(
      item.tags
        .map((t) => oneLine(t))
        .filter(Boolean)
        .map((t) => [slugify(t), clip(t, TAG_MAX)]),
    ).entries(),
  ]
    .filter(([s]) => s)
    .map(([, name]) => name);
  if (names.length > TAGS_MAX) warn(`${label} has ${names.length} tags; the first ${TAGS_MAX} are kept.`);
  const excerptText = item.excerpt ? oneLine(htmlToText(item.excerpt)) : '';
  if (excerptText.length > POST_EXCERPT_MAX) warn(`${label}: its excerpt was shortened to ${POST_EXCERPT_MAX} characters.`);
  if (item.kind === 'page' && item.comments.length > 0) warn(`${label} had ${item.comments.length} comments; pages have none in Quire.`);
  return {
    title,
    slug,
    status,
    publishedAt,
    updatedAt: validDate(item.updatedAt),
    excerpt: excerptText ? clip(excerptText, POST_EXCERPT_MAX) : undefined,
    tags: names.slice(0, TAGS_MAX),
  };
}

/** Approved comments, oldest first, held to the comment form's limits. */
function importItemComments(handle: TenantHandle, slug: string, item: ImportedItem, label: string, warn: (text: string) => void): number {
  if (item.comments.length === 0) return 0;
  if (item.comments.length > IMPORT_LIMITS.commentsPerItem)
    warn(`${label} has ${item.comments.length} comments; the first ${IMPORT_LIMITS.commentsPerItem.toLocaleString('en')} are kept.`);
  let shortened = 0;
  let unreadable = 0;
  const list = item.comments
    .slice(0, IMPORT_LIMITS.commentsPerItem)
    .map((c) => {
      let text = c.body;
      try {
        if (/<[a-z][\s\S]*>/i.test(c.body)) text = htmlToMarkdown(c.body, 'A comment');
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        unreadable++;
        text = '';
      }
      if (text.length > COMMENT_BODY_MAX) shortened++;
      const website = c.authorUrl && /^https?:\/\//i.test(c.authorUrl) && c.authorUrl.length <= 200 ? c.authorUrl : null;
      return {
        name: clip(oneLine(c.authorName), COMMENT_NAME_MAX) || 'Anonymous',
        website,
        date: c.createdAt,
        body: clip(text, COMMENT_BODY_MAX),
      };
    })
    .filter((c) => c.body.trim() && Number.isFinite(c.date.getTime()))
    .sort((a, b) => a.date.getTime() - b.date.getTime());
  if (shortened > 0) warn(`${label}: ${shortened} long comments were shortened to ${COMMENT_BODY_MAX.toLocaleString('en')} characters.`);
  if (unreadable > 0) warn(`${label}: ${unreadable} comments whose HTML nests past reason were left out.`);
  try {
    importComments(handle, slug, list);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    warn(`${label}: its comments were left out (${error.message})`);
    return 0;
  }
  return list.length;
}

/** The first parts of the paths the blog itself answers (besides its posts, pages and tags). */
const BLOG_ROUTES: ReadonlySet<string> = new Set([
  ...RESERVED_PAGE_SLUGS,
  'media',
  'preview',
  'feed.xml',
  'atom.xml',
  'feed.json',
  'sitemap.xml',
  'robots.txt',
  'icon.svg',
  'favicon.ico',
  '_next',
]);

/**
 * Whether an old address would hide one of the blog's own routes (its search, feeds, images…):
 * the front looks redirects up before rendering. `/posts/x` and `/tag/x` may be old addresses
 * as long as no post or tag of the blog has them (checked against the live ones).
 */
function shadowsBlogRoute(path: string): boolean {
  const first = path.slice(1).split(/[/?]/, 1)[0]!.toLowerCase();
  return first !== 'posts' && first !== 'tag' && BLOG_ROUTES.has(first);
}

/**
 * An old address as the front will look it up: path and query of the old site (its host
 * dropped), percent-encoded as a browser sends it, without a trailing slash (the front looks a
 * trailing-slash address up without it). Undefined when it could not be a redirect's.
 */
function oldPath(raw: string): string | undefined {
  if (!URL.canParse(raw.trim(), 'http://quire.invalid')) return undefined;
  const url = new URL(raw.trim(), 'http://quire.invalid');
  let path = url.pathname;
  if (path.length > 1) path = path.replace(/\/+$/, '');
  const full = path + url.search;
  return redirectPathProblem(full) ? undefined : full;
}

function oneLine(text: string): string {
  return text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max).trimEnd() : text;
}
