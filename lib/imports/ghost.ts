import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { config } from '@/lib/config';
import { InputError } from '@/lib/input';
import type { Archive } from '@/lib/uploads/archive';
import { formatSize } from '@/lib/uploads/archive';
import { BodyNotes, bodySource, EDITOR_JSON_FACTOR, renderGhostBody } from './ghost-body';
import { parseJsonText } from './json';
import { IMPORT_LIMITS, type ImportedItem, type ImportedSite, type ImportSource } from './source';
import { checkDeadline } from '@/lib/workers/deadline';

/**
 * Ghost's content export (Settings → Advanced → Import/Export, "Export content"; Labs in
 * Ghost 4), 4.x to 6.x and the older ones it still reads: one JSON file,
 * `{ db: [{ meta, data: { posts, tags, posts_tags, users, posts_authors, posts_meta, settings } }] }`,
 * alone or in a zip beside Ghost's content folder (`content/images/…`). The file is parsed
 * whole (JSON has no streaming parse in Node), after its size is checked; bodies are rendered
 * one post at a time as the applier asks for them.
 */

/**
 * The largest export read. JSON.parse needs the whole text, and the parsed posts take a few
 * times its size in the worker's heap (QUIRE_WORKER_HEAP_MB): an export past the heap stops
 * with the pool's own sentence before this limit is reached.
 */
export const GHOST_JSON_MAX_BYTES = 256 * 1024 * 1024;

const WHAT = 'This Ghost export';

const id = z.union([z.string(), z.number()]).transform(String);
const text = z.string().nullish();
const when = z.union([z.string(), z.number()]).nullish();
const list = <T extends z.ZodType>(item: T) => z.array(item).nullish();

const postSchema = z.looseObject({
  id,
  uuid: text,
  title: text,
  slug: text,
  type: text,
  /** Ghost 2 and before: pages were posts with `page: true`. */
  page: z.union([z.boolean(), z.number()]).nullish(),
  status: text,
  visibility: text,
  html: text,
  lexical: text,
  mobiledoc: text,
  feature_image: text,
  /** Ghost 1's name for the feature image. */
  image: text,
  custom_excerpt: text,
  published_at: when,
  updated_at: when,
  created_at: when,
  author_id: id.nullish(),
});

const dataSchema = z.looseObject({
  posts: z.array(postSchema),
  tags: list(z.looseObject({ id, name: text, slug: text, visibility: text })),
  posts_tags: list(z.looseObject({ post_id: id, tag_id: id, sort_order: z.number().nullish() })),
  users: list(z.looseObject({ id, name: text, slug: text })),
  posts_authors: list(z.looseObject({ post_id: id, author_id: id, sort_order: z.number().nullish() })),
  posts_meta: list(z.looseObject({ post_id: id, feature_image_alt: text, feature_image_caption: text })),
  settings: list(z.looseObject({ key: z.string(), value: z.unknown() })),
  members: z.array(z.unknown()).nullish(),
});

const entrySchema = z.looseObject({
  meta: z.looseObject({ version: z.union([z.string(), z.number()]).nullish() }).nullish(),
  data: dataSchema,
});

type GhostData = z.output<typeof dataSchema>;
type GhostPost = z.output<typeof postSchema>;

/** Names for the parts of an export a refusal may say are missing. */
const PART_NAMES: Record<string, string> = { db: 'db list', data: 'data object', posts: 'posts list' };

/** Reads a Ghost export (`.json`). */
export async function openGhost(file: string, deadlineAt: number): Promise<ImportSource> {
  const { size } = await fs.stat(file);
  if (size > GHOST_JSON_MAX_BYTES) throw tooBig();
  const json = await fs.readFile(file, 'utf8');
  return readGhost(json, deadlineAt);
}

/**
 * Reads a Ghost export from a zip holding its JSON (`jsonName`) and Ghost's content folder, as
 * `content/images/…` or `images/…` (beside the JSON or at the top). The source takes the archive
 * over: its `close()` closes it. When opening fails the archive stays the caller's to close.
 */
export async function openGhostArchive(archive: Archive, jsonName: string, deadlineAt: number): Promise<ImportSource> {
  const bytes = await archive.read(jsonName, GHOST_JSON_MAX_BYTES);
  if (!bytes) throw new InputError(`This zip file has no ${jsonName}.`);
  const source = readGhost(bytes.toString('utf8'), deadlineAt);
  const folder = path.posix.dirname(jsonName);
  const prefixes = [...new Set([folder === '.' ? '' : `${folder}/`, ''])];
  const sizes = new Map(archive.files.map((f) => [f.name, f.size]));
  return {
    ...source,
    localFile: async (url) => {
      const limit = config().mediaMaxBytes;
      for (const name of archiveNames(url, source.site.url, prefixes)) {
        const size = sizes.get(name);
        if (size === undefined) continue;
        // Too large for the blog (a video, say): left where it was rather than failing the import.
        return size > limit ? undefined : archive.read(name, limit);
      }
      return undefined;
    },
    close: async () => archive.close(),
  };
}

function tooBig(): InputError {
  return new InputError(`${WHAT} is larger than ${formatSize(GHOST_JSON_MAX_BYTES)}, more than Quire reads in one piece.`);
}

function readGhost(json: string, deadlineAt: number): ImportSource {
  const parsed = parseJsonText(json.charCodeAt(0) === 0xfeff ? json.slice(1) : json, WHAT);
  checkDeadline(deadlineAt);
  const { data, version } = validate(parsed);
  checkDeadline(deadlineAt);

  if (data.posts.length > IMPORT_LIMITS.items)
    throw new InputError(`${WHAT} has more than ${IMPORT_LIMITS.items.toLocaleString('en')} posts and pages; nothing was imported.`);
  for (const post of data.posts) checkBodySize(post);

  const setting = (key: string) => {
    const value = data.settings?.find((s) => s.key === key)?.value;
    return typeof value === 'string' && value.trim() ? value.trim() : undefined;
  };
  const siteUrl = absoluteUrl(setting('url'));
  const relations = relate(data);
  const site: ImportedSite = {
    title: setting('title'),
    description: setting('description'),
    url: siteUrl,
    tagPaths: relations.usedPublicTags.map((tag) => ({ path: `/tag/${tag.slug}/`, tag: tag.name })),
    warnings: siteWarnings(data, version),
  };
  let iterated = false;

  return {
    kind: 'ghost',
    site,
    items: async function* () {
      if (iterated) throw new Error('A Ghost export is read once.');
      iterated = true;
      for (const post of data.posts) {
        checkDeadline(deadlineAt);
        yield toItem(post, relations, siteUrl ?? '');
      }
    },
    close: async () => undefined,
  };
}

/** The export's data, or a refusal naming the first thing wrong with its shape. */
function validate(parsed: unknown): { data: GhostData; version: string } {
  let entry: unknown;
  let base: string;
  const root = isObject(parsed) ? parsed : undefined;
  if (root && Array.isArray(root.db)) {
    entry = root.db[0];
    base = 'db[0]';
    if (entry === undefined) throw new InputError(`${WHAT} has an empty db list.`);
  } else if (root && isObject(root.db)) {
    entry = root.db;
    base = 'db';
  } else if (root && isObject(root.data)) {
    entry = root;
    base = '';
  } else throw new InputError(`This file is not a Ghost export: it has no db list (db[0].meta, db[0].data).`);

  const result = entrySchema.safeParse(entry);
  if (result.success) return { data: result.data.data, version: String(result.data.meta?.version ?? '') };
  const issue = result.error.issues[0]!;
  const where = [base, ...issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))].join('').replace(/^\./, '');
  const last = issue.path[issue.path.length - 1];
  if (valueAt(entry, issue.path) === undefined) {
    const name = typeof last === 'string' ? (PART_NAMES[last] ?? `"${last}" field`) : 'entry';
    throw new InputError(`${WHAT} has no ${name} (${where}).`);
  }
  const expected = 'expected' in issue && typeof issue.expected === 'string' ? ` (expected ${issue.expected})` : '';
  throw new InputError(`${WHAT} has an unexpected value at ${where}${expected}.`);
}

function valueAt(value: unknown, keys: PropertyKey[]): unknown {
  let at = value;
  for (const key of keys) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The name a refusal or a warning gives a post. */
function label(post: GhostPost): string {
  const kind = isPage(post) ? 'page' : 'post';
  const name = (post.title ?? '').trim() || post.slug || post.id;
  return `The ${kind} "${name.length > 80 ? `${name.slice(0, 79)}…` : name}"`;
}

/** Refused before anything is read, so a long post stops the import before it starts. */
function checkBodySize(post: GhostPost): void {
  const source = bodySource(post);
  if (!source) return;
  const limit = source.kind === 'html' ? IMPORT_LIMITS.bodyChars : IMPORT_LIMITS.bodyChars * EDITOR_JSON_FACTOR;
  if (source.text.length > limit)
    throw new InputError(`${label(post)} is longer than ${IMPORT_LIMITS.bodyChars.toLocaleString('en')} characters; nothing was imported.`);
}

function isPage(post: GhostPost): boolean {
  return post.type ? post.type === 'page' : post.page === true || post.page === 1;
}

type Tag = { name: string; slug: string; internal: boolean };

type Relations = {
  tagsOf: Map<string, Tag[]>;
  authorsOf: Map<string, string[]>;
  userName: Map<string, string>;
  meta: Map<string, { alt?: string; caption?: string }>;
  usedPublicTags: Tag[];
};

/** Ghost's join tables, as maps from a post's id, each list in Ghost's own order. */
function relate(data: GhostData): Relations {
  const tags = new Map<string, Tag>();
  for (const tag of data.tags ?? []) {
    const name = (tag.name ?? '').trim();
    if (name) tags.set(tag.id, { name, slug: tag.slug ?? '', internal: tag.visibility === 'internal' || name.startsWith('#') });
  }
  const userName = new Map<string, string>();
  for (const user of data.users ?? []) {
    const name = (user.name ?? '').trim() || user.slug;
    if (name) userName.set(user.id, name);
  }
  const ordered = <T>(rows: { post_id: string; sort_order?: number | null; value: T | undefined }[]) => {
    const byPost = new Map<string, { order: number; index: number; value: T }[]>();
    rows.forEach((row, index) => {
      if (row.value === undefined) return;
      const entries = byPost.get(row.post_id) ?? [];
      entries.push({ order: row.sort_order ?? 0, index, value: row.value });
      byPost.set(row.post_id, entries);
    });
    return new Map(
      [...byPost].map(([post, entries]) => [post, entries.sort((a, b) => a.order - b.order || a.index - b.index).map((e) => e.value)]),
    );
  };
  const tagsOf = ordered((data.posts_tags ?? []).map((row) => ({ ...row, value: tags.get(row.tag_id) })));
  const authorsOf = ordered((data.posts_authors ?? []).map((row) => ({ ...row, value: userName.get(row.author_id) })));
  const meta = new Map<string, { alt?: string; caption?: string }>();
  for (const row of data.posts_meta ?? [])
    meta.set(row.post_id, { alt: row.feature_image_alt ?? undefined, caption: row.feature_image_caption ?? undefined });

  const used = new Set<Tag>();
  for (const list of tagsOf.values()) for (const tag of list) if (!tag.internal && tag.slug) used.add(tag);
  return { tagsOf, authorsOf, userName, meta, usedPublicTags: [...used] };
}

function siteWarnings(data: GhostData, version: string): string[] {
  const warnings: string[] = [];
  if (data.posts.length)
    warnings.push(
      "Old addresses follow Ghost's default routes (/post-slug/ and /tag/tag-slug/); a custom routes.yaml is not part of the export.",
    );
  const members = data.members?.length ?? 0;
  if (members) warnings.push(`The export's ${members.toLocaleString('en')} members were not imported (Quire has no paying members).`);
  const major = Number.parseInt(version, 10);
  if (major < 4)
    warnings.push(
      `This export is from an older Ghost (version ${version.slice(0, 20)}); Quire reads Ghost 4 to 6 best, so check older posts' formatting.`,
    );
  return warnings;
}

/** Ghost writes ISO dates (4 and later), milliseconds (before) or MySQL's `YYYY-MM-DD hh:mm:ss` (UTC). */
function toDate(value: string | number | null | undefined): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const date =
    typeof value === 'number'
      ? new Date(value)
      : new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value) ? `${value.replace(' ', 'T')}Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function absoluteUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

function joinNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function toItem(post: GhostPost, relations: Relations, siteUrl: string): ImportedItem {
  const warnings: string[] = [];
  const notes = new BodyNotes();
  const body = renderGhostBody(post, siteUrl, { label: label(post), notes });
  const kind = isPage(post) ? 'page' : 'post';

  let status: ImportedItem['status'];
  const ghostStatus = post.status ?? 'draft';
  if (ghostStatus === 'published' || ghostStatus === 'draft' || ghostStatus === 'scheduled') status = ghostStatus;
  else if (ghostStatus === 'sent') {
    status = 'draft';
    warnings.push('It was sent only as an email newsletter and never shown on the website, so it is kept as a draft.');
  } else {
    status = 'draft';
    warnings.push(`Its Ghost status "${ghostStatus.slice(0, 40)}" is not one Quire has, so it is kept as a draft.`);
  }

  const visibility = post.visibility ?? 'public';
  if (visibility !== 'public') {
    const who = visibility === 'members' ? 'members' : 'paying members';
    if (status === 'published' || status === 'scheduled') {
      warnings.push(
        `It was for ${who} only on Ghost, so it is kept as a draft rather than made public; publish it to show it to everyone.`,
      );
      status = 'draft';
    } else warnings.push(`It was for ${who} only on Ghost; once published on Quire, everyone can read it.`);
  }

  const tags: string[] = [];
  const internal: string[] = [];
  for (const tag of relations.tagsOf.get(post.id) ?? []) (tag.internal ? internal : tags).push(tag.name);
  if (internal.length)
    warnings.push(
      internal.length === 1
        ? `The internal Ghost tag ${internal[0]} was dropped.`
        : `The internal Ghost tags ${joinNames(internal)} were dropped.`,
    );

  let authors = relations.authorsOf.get(post.id) ?? [];
  const primary = post.author_id ? relations.userName.get(post.author_id) : undefined;
  if (!authors.length && primary) authors = [primary];

  let featureImage: ImportedItem['featureImage'];
  const cover = post.feature_image ?? post.image;
  if (cover) {
    const meta = relations.meta.get(post.id);
    featureImage = { url: cover.split('__GHOST_URL__').join(siteUrl), ...(meta?.alt ? { alt: meta.alt } : {}) };
    if (meta?.caption) warnings.push("The feature image's caption was dropped.");
  }

  // Ghost's default routes: posts and pages both at /slug/, posts' AMP copy at /slug/amp/.
  const oldPaths: string[] = [];
  if (post.slug && ghostStatus === 'published') {
    oldPaths.push(`/${post.slug}/`);
    if (kind === 'post') oldPaths.push(`/${post.slug}/amp/`);
  }

  const excerpt = post.custom_excerpt?.trim();
  return {
    kind,
    sourceId: post.id,
    title: (post.title ?? '').trim(),
    slug: post.slug ?? '',
    status,
    publishedAt: toDate(post.published_at),
    updatedAt: toDate(post.updated_at),
    body,
    ...(excerpt ? { excerpt } : {}),
    tags,
    authors,
    ...(featureImage ? { featureImage } : {}),
    oldPaths,
    comments: [],
    warnings: [...warnings, ...notes.warnings()],
  };
}

/**
 * The zip entries an image URL may be: Ghost's placeholder, a site path or the site's own
 * absolute URL, each looked for under `content/` and (images) under `images/`, beside the JSON
 * and at the top, and a resized copy (`/content/images/size/w600/…`) as its original too.
 */
function archiveNames(url: string, siteUrl: string | undefined, prefixes: string[]): string[] {
  let pathname: string;
  const rest = url.startsWith('__GHOST_URL__') ? url.slice('__GHOST_URL__'.length) : url;
  if (rest.startsWith('/') && !rest.startsWith('//')) pathname = rest;
  else {
    let parsed: URL;
    try {
      parsed = new URL(rest.startsWith('//') ? `https:${rest}` : rest);
    } catch {
      return [];
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return [];
    // Without the site's address, any host: a file at the same content path in the export's
    // own folder is the site's file.
    if (siteUrl && parsed.host !== new URL(siteUrl).host) return [];
    pathname = parsed.pathname;
  }
  pathname = pathname.replace(/[?#].*$/, '');
  const match = /^\/content\/(images|media|files)\/(.+)$/.exec(pathname);
  if (!match) return [];
  const [, folder, file] = match as unknown as [string, string, string];
  const files = [file];
  if (folder === 'images') {
    const original = /^size\/w\d+(?:h\d+)?\/(?:format\/\w+\/)?(.+)$/.exec(file)?.[1];
    if (original) files.push(original);
  }
  const decoded = files.flatMap((f) => {
    try {
      const plain = decodeURIComponent(f);
      return plain === f ? [f] : [plain, f];
    } catch {
      return [f];
    }
  });
  const names: string[] = [];
  for (const f of decoded) {
    if (f.split('/').some((part) => part === '..' || part === '.' || part === '')) continue;
    for (const prefix of prefixes) {
      names.push(`${prefix}content/${folder}/${f}`);
      if (folder === 'images') names.push(`${prefix}images/${f}`);
    }
  }
  return names;
}
