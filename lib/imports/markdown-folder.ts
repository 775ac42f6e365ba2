import path from 'node:path';
import { config } from '@/lib/config';
import { InputError } from '@/lib/input';
import { POST_MARKDOWN_MAX, TAGS_MAX } from '@/lib/input/lengths';
import { findFrontMatter, frontMatterObject, parseYamlSafely } from '@/lib/markdown/front-matter';
import { slugify } from '@/lib/posts/slug';
import { formatSize, isZipClutter, topFolder, type Archive } from '@/lib/uploads/archive';
import { IMPORT_LIMITS, type ImportedItem, type ImportedSite, type ImportSource } from './source';
import { checkDeadline } from '@/lib/workers/deadline';

/**
 * A static site's source, zipped: Markdown files with YAML front matter as Jekyll, Hugo,
 * Eleventy or Astro keep them (or any folder of Markdown). Which files are posts: those in a
 * posts folder (`_posts`, `_drafts`, `posts`, `post`, `blog`, `articles`) or with `layout: post`;
 * any other file with a title is a page; the rest (READMEs, notes, the generator's own files) is
 * left out. Old addresses follow each generator's default (or the site's configured permalinks).
 *
 * Decisions: TOML front matter (`+++`, Hugo) is not read: no TOML parser is a dependency, so
 * those files are skipped with a warning (and the import refused if nothing else is left). An
 * `.mdx` file is imported as Markdown without its import/export lines; its components stay in
 * the text and do not render. A post without a date gets none (the applier dates it on import).
 * `site.warnings` grows while `items()` runs (files skipped are known only once read): read it
 * after the items.
 */
export async function openMarkdownFolder(archive: Archive, deadlineAt: number): Promise<ImportSource> {
  const root = siteRoot(archive);
  const files = new Map<string, number>();
  for (const { name, size } of archive.files) if (!isZipClutter(name)) files.set(name.slice(root.length), size);
  const generator = detectGenerator([...files.keys()]);
  const site = await readSiteConfig(archive, root, generator, files);
  const sources = [...files.keys()].filter(isContentFile);
  if (sources.length === 0) throw new InputError('This zip has no Markdown files (.md): there is nothing to import.');
  if (sources.length > IMPORT_LIMITS.items) {
    throw new InputError(`This zip has more than ${IMPORT_LIMITS.items.toLocaleString('en')} Markdown files.`);
  }
  checkDeadline(deadlineAt);
  const known = new Set(sources);

  return {
    kind: 'markdown',
    site: site.site,
    async *items() {
      const skipped = new Skipped();
      let yielded = 0;
      for (const source of sources) {
        checkDeadline(deadlineAt);
        const bytes = await archive.read(root + source, MARKDOWN_FILE_MAX);
        const item = readItem(source, bytes!.toString('utf8'), generator, site, skipped);
        if (item) {
          yielded++;
          yield item;
        }
      }
      site.site.warnings.push(...skipped.warnings());
      if (yielded === 0) throw skipped.refusal();
    },
    async localFile(url, item) {
      if (!known.has(item.sourceId)) return undefined;
      for (const candidate of localCandidates(url, item.sourceId, site.basePath)) {
        const size = files.get(candidate);
        if (size === undefined) continue;
        const limit = config().mediaMaxBytes;
        if (size > limit) throw new InputError(`${candidate} is larger than ${formatSize(limit)}.`);
        return archive.read(root + candidate, limit);
      }
      return undefined;
    },
    close: async () => archive.close(),
  };
}

/** A post's Markdown at its longest in UTF-8, plus its front matter (as lib/export/prepare.ts holds it). */
const MARKDOWN_FILE_MAX = POST_MARKDOWN_MAX * 4 + 64 * 1024;
const CONFIG_FILE_MAX = 256 * 1024;

/**
 * The folder the site is in: the zip's single top folder (`my-site/`), unless that folder is
 * the posts folder itself (`_posts/` zipped alone) and holds no generator's settings.
 */
function siteRoot(archive: Archive): string {
  const top = topFolder(archive);
  if (!top || !POST_FOLDERS.has(top.slice(0, -1).toLowerCase())) return top;
  const inside = archive.files.filter(({ name }) => name.startsWith(top)).map(({ name }) => name.slice(top.length));
  return detectGenerator(inside) ? top : '';
}

type Generator = 'jekyll' | 'hugo' | 'eleventy' | 'astro' | undefined;

function detectGenerator(names: string[]): Generator {
  const has = (test: (name: string) => boolean) => names.some(test);
  if (has((n) => /^astro\.config\.[cm]?[jt]s$/.test(n) || n.startsWith('src/content/'))) return 'astro';
  if (has((n) => /^hugo\.(toml|ya?ml|json)$/.test(n) || n.startsWith('archetypes/'))) return 'hugo';
  if (has((n) => /^config\.(toml|ya?ml|json)$/.test(n)) && has((n) => n.startsWith('content/'))) return 'hugo';
  if (has((n) => /^\.?eleventy(\.config)?\.[cm]?[jt]s$/.test(n))) return 'eleventy';
  if (has((n) => /^_config\.ya?ml$/.test(n) || /(^|\/)_posts\//.test(n))) return 'jekyll';
  return undefined;
}

// ── Which files are content ────────────────────────────────────────────────────────────────

/** Folders of tooling and templates, wherever they are: never the author's posts. */
const SKIPPED_FOLDERS = new Set(['node_modules', '_layouts', '_includes', '_sass', '_data', '_plugins', '_templates']);
/** At the site's root: build output, themes and static files (elsewhere these names may be sections). */
const SKIPPED_ROOT_FOLDERS = new Set(['_site', 'public', 'dist', 'resources', 'themes', 'layouts', 'archetypes', 'static', 'vendor']);
const SKIPPED_FILES = new Set(['readme', 'license', 'licence', 'changelog', 'contributing', 'code_of_conduct', 'security', '404']);
const POST_FOLDERS = new Set(['_posts', '_drafts', 'posts', 'post', 'blog', 'articles']);

function isContentFile(name: string): boolean {
  if (!/\.(md|markdown|mdx)$/i.test(name)) return false;
  const segments = name.split('/');
  const base = segments
    .pop()!
    .replace(/\.[^.]+$/, '')
    .toLowerCase();
  if (SKIPPED_FILES.has(base)) return false;
  if (segments.length > 0 && SKIPPED_ROOT_FOLDERS.has(segments[0]!.toLowerCase())) return false;
  return !segments.some((segment) => segment.startsWith('.') || SKIPPED_FOLDERS.has(segment.toLowerCase()));
}

/** The files left out once read, said once for the whole export. */
class Skipped {
  readonly toml: string[] = [];
  readonly untitled: string[] = [];
  readonly empty: string[] = [];
  readonly sections: string[] = [];
  readonly home: string[] = [];

  warnings(): string[] {
    const list = (names: string[]) => `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;
    const out: string[] = [];
    if (this.toml.length > 0) {
      out.push(
        `${count(this.toml.length, 'file has', 'files have')} TOML front matter (+++), which Quire cannot read yet, and ${this.toml.length === 1 ? 'was' : 'were'} skipped (${list(this.toml)}): convert ${this.toml.length === 1 ? 'it' : 'them'} to YAML (---) to import ${this.toml.length === 1 ? 'it' : 'them'}.`,
      );
    }
    if (this.untitled.length > 0) {
      out.push(
        `${count(this.untitled.length, 'Markdown file', 'Markdown files')} outside a posts folder and without a title ${this.untitled.length === 1 ? 'was' : 'were'} skipped (${list(this.untitled)}).`,
      );
    }
    if (this.empty.length > 0) {
      out.push(
        `${count(this.empty.length, 'page', 'pages')} without text (listings the generator fills in) ${this.empty.length === 1 ? 'was' : 'were'} skipped (${list(this.empty)}).`,
      );
    }
    if (this.sections.length > 0) {
      out.push(
        `${count(this.sections.length, 'Hugo section page', 'Hugo section pages')} (_index.md) ${this.sections.length === 1 ? 'was' : 'were'} skipped (${list(this.sections)}).`,
      );
    }
    if (this.home.length > 0) out.push(`The home page (${list(this.home)}) was skipped: Quire's home lists your posts.`);
    return out;
  }

  refusal(): InputError {
    if (this.toml.length > 0) {
      return new InputError(
        "This site's front matter is TOML (+++), which Quire cannot read yet: convert it to YAML (---) and upload the zip again.",
      );
    }
    return new InputError('This zip has no Markdown posts or pages: no file is in a posts folder or has a title.');
  }
}

function count(n: number, one: string, many: string): string {
  return n === 1 ? `1 ${one}` : `${n.toLocaleString('en')} ${many}`;
}

// ── One file ───────────────────────────────────────────────────────────────────────────────

type SiteConfig = {
  site: ImportedSite;
  /** The path the old site lived under (`/blog` for `https://x.github.io/blog/`), or ''. */
  basePath: string;
  /** Jekyll's `permalink` setting (a style name or a pattern). */
  jekyllPermalink?: string;
  /** Hugo's `permalinks`: section → pattern. */
  hugoPermalinks: Record<string, string>;
};

function readItem(source: string, text: string, generator: Generator, site: SiteConfig, skipped: Skipped): ImportedItem | undefined {
  if (/^\uFEFF?\+\+\+[ \t]*\r?\n/.test(text)) {
    skipped.toml.push(source);
    return undefined;
  }
  const segments = source.split('/');
  const file = segments.pop()!;
  const base = file.replace(/\.[^.]+$/, '');
  if (base === '_index') {
    skipped.sections.push(source);
    return undefined;
  }
  const folder = segments.join('/');
  if (base === 'index' && ['', 'content', 'src/pages', 'src/content'].includes(folder)) {
    skipped.home.push(source);
    return undefined;
  }

  const warnings: string[] = [];
  const found = findFrontMatter(text, source);
  const meta = found?.meta ?? {};
  let body = found ? found.body : text.replace(/^\uFEFF/, '');

  const inPostFolder = segments.some((segment) => POST_FOLDERS.has(segment.toLowerCase()));
  const kind = inPostFolder || textOf(meta.layout) === 'post' ? 'post' : 'page';
  const jekyllName = /^(\d{4})-(\d{2})-(\d{2})-(.+)$/.exec(base);
  // A page bundle (Hugo, Astro, Eleventy): the folder is the post, index.md its text.
  const fileName = base === 'index' && segments.length > 0 ? segments[segments.length - 1]! : base;
  const fileSlug = base === 'index' ? fileName : jekyllName ? jekyllName[4]! : base;

  let title = textOf(meta.title);
  if (!title && kind === 'page') {
    skipped.untitled.push(source);
    return undefined;
  }
  if (!title) {
    const heading = leadingHeading(body);
    if (heading) {
      title = heading.title;
      body = heading.rest;
    } else {
      title = humanize(fileSlug);
      warnings.push(`It has no title: it is called “${title}” after its file name.`);
    }
  }
  if (kind === 'page' && !body.trim()) {
    skipped.empty.push(source);
    return undefined;
  }

  const dateText = firstOf(meta, ['date', 'pubDate', 'publishDate', 'published_at', 'created']);
  let publishedAt = parseDate(dateText);
  if (dateText !== undefined && !publishedAt) warnings.push(`Its date (${String(dateText).slice(0, 40)}) is not one Quire can read.`);
  if (!publishedAt && jekyllName) publishedAt = parseDate(`${jekyllName[1]}-${jekyllName[2]}-${jekyllName[3]}`);
  const updatedAt = parseDate(firstOf(meta, ['lastmod', 'updated', 'updatedDate', 'last_modified_at', 'modified', 'updated_at']));

  const draft =
    segments.includes('_drafts') || meta.draft === true || meta.draft === 'true' || meta.published === false || meta.published === 'false';
  if (!publishedAt && kind === 'post' && !draft) warnings.push('It has no date: it is dated the day it is imported.');
  const status: ImportedItem['status'] = draft
    ? 'draft'
    : publishedAt && publishedAt.getTime() > Date.now() && kind === 'post'
      ? 'scheduled'
      : 'published';

  const permalink = usablePath(meta.permalink) ?? usablePath(meta.url);
  const permalinkSlug = permalink ? lastSegment(permalink) : '';
  const slug = textOf(meta.slug) || (permalinkSlug.includes(':') ? '' : permalinkSlug) || fileSlug;

  const tags = readTags(meta, generator);
  if (tags.length > TAGS_MAX) warnings.push(`Only its first ${TAGS_MAX} of ${tags.length} tags were kept.`);

  if (file.toLowerCase().endsWith('.mdx')) body = withoutMdxStatements(body, warnings);
  body = withSiteAddressesResolved(body);
  if (body.includes('{{<') || body.includes('{{%')) body = withHugoShortcodes(body, warnings);
  if (body.includes('{%')) warnings.push('It uses template tags ({% … %}), which are kept as text.');

  const urlDate = dateForUrl(dateText, publishedAt, jekyllName);
  // A draft never had a public address to send on.
  const oldPaths = draft
    ? []
    : oldPathsOf({ source, segments, fileName, fileSlug, slug, title, kind, generator, site, meta, permalink, urlDate });

  return {
    kind,
    sourceId: source,
    title,
    slug,
    status,
    publishedAt,
    updatedAt,
    body: { markdown: body },
    excerpt: textOf(firstOf(meta, ['description', 'excerpt', 'summary', 'subtitle'])) || undefined,
    tags: tags.slice(0, TAGS_MAX),
    authors: readAuthors(meta),
    featureImage: readCover(meta),
    oldPaths,
    comments: [],
    warnings,
  };
}

/** A front matter value as one line of text ('' for anything else). */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

function firstOf(meta: Record<string, unknown>, keys: string[]): unknown {
  for (const key of keys) if (meta[key] !== undefined && meta[key] !== null && meta[key] !== '') return meta[key];
  return undefined;
}

/** A Markdown file's opening `# Title` line, and the text after it. */
function leadingHeading(body: string): { title: string; rest: string } | undefined {
  const text = body.trimStart();
  if (!/^#[ \t]/.test(text)) return undefined;
  const end = text.indexOf('\n');
  const line = end < 0 ? text : text.slice(0, end);
  // Closing hashes and spaces, trimmed by hand: a regex anchored at the end backtracks on long runs.
  let last = line.length;
  while (last > 1 && ' \t\r#'.includes(line[last - 1]!)) last--;
  const title = line.slice(1, last).trim();
  return title ? { title, rest: end < 0 ? '' : text.slice(end + 1).replace(/^(?:[ \t]*\r?\n)+/, '') } : undefined;
}

function humanize(slug: string): string {
  const words = slug.replace(/[-_]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'Untitled';
}

/**
 * `2024-05-01`, `2024-05-01 10:00:00 +0200` (Jekyll), `2024-05-01T10:00:00Z` (Hugo, Astro).
 * A day without a time is taken at noon UTC, so it stays the same day in nearly every time zone;
 * a time without a zone is taken as UTC.
 */
function parseDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string' || value.length > 100) return undefined;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?[ \t]*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
    value.trim(),
  );
  if (!m) {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part)));
  const day0 = new Date(Date.UTC(year!, month! - 1, day!));
  if (day0.getUTCMonth() !== month! - 1 || day0.getUTCDate() !== day || (hour ?? 0) > 23 || (minute ?? 0) > 59 || (second ?? 0) > 60)
    return undefined;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  let time = Date.UTC(year!, month! - 1, day!, hour ?? 12, minute ?? 0, second ?? 0, ms);
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    time -= (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0)) * (digits[0] === '-' ? -1 : 1) * 60_000;
  }
  return new Date(time);
}

/** The year, month and day of the old address: as written (in the old site's own time zone) where possible. */
function dateForUrl(dateText: unknown, date: Date | undefined, jekyllName: RegExpExecArray | null): [string, string, string] | undefined {
  const written = typeof dateText === 'string' ? /^(\d{4})-(\d{2})-(\d{2})/.exec(dateText.trim()) : null;
  if (written) return [written[1]!, written[2]!, written[3]!];
  if (jekyllName) return [jekyllName[1]!, jekyllName[2]!, jekyllName[3]!];
  if (!date) return undefined;
  return [String(date.getUTCFullYear()), String(date.getUTCMonth() + 1).padStart(2, '0'), String(date.getUTCDate()).padStart(2, '0')];
}

/** Tags and categories: a list, or a string (Jekyll splits it on spaces, others on commas). */
function readTags(meta: Record<string, unknown>, generator: Generator): string[] {
  const tags: string[] = [];
  const seen = new Set<string>();
  for (const key of ['tags', 'categories', 'category']) {
    const value = meta[key];
    const names = Array.isArray(value)
      ? value.slice(0, 100).map(textOf)
      : typeof value === 'string'
        ? value.split(generator === 'jekyll' ? /\s+/ : ',')
        : [];
    for (const raw of names) {
      const name = raw.trim();
      // Eleventy's collection markers, not subjects.
      if (!name || (generator === 'eleventy' && ['post', 'posts', 'all'].includes(name.toLowerCase()))) continue;
      if (seen.has(name.toLowerCase())) continue;
      seen.add(name.toLowerCase());
      tags.push(name);
    }
  }
  return tags;
}

function readAuthors(meta: Record<string, unknown>): string[] {
  const value = meta.authors ?? meta.author;
  const list = Array.isArray(value) ? value.slice(0, 20) : value === undefined ? [] : [value];
  return list
    .map((author) => textOf(author) || textOf(frontMatterObject(author).name))
    .filter(Boolean)
    .slice(0, 10);
}

/** `cover`, `image`, `heroImage`, … as a URL or `{ image, alt }` (Hugo themes), or Hugo's `images` list. */
function readCover(meta: Record<string, unknown>): ImportedItem['featureImage'] {
  const value = firstOf(meta, [
    'cover',
    'image',
    'feature_image',
    'featured_image',
    'featureImage',
    'heroImage',
    'hero_image',
    'thumbnail',
    'banner',
  ]);
  const images = Array.isArray(meta.images) ? meta.images[0] : undefined;
  const header = frontMatterObject(meta.header).image ?? frontMatterObject(meta.header).teaser;
  for (const candidate of [value, header, images]) {
    const object = frontMatterObject(candidate);
    const url = textOf(candidate) || textOf(object.image) || textOf(object.src) || textOf(object.url) || textOf(object.path);
    if (!url) continue;
    const alt = textOf(object.alt) || textOf(meta.image_alt) || textOf(meta.coverAlt) || textOf(meta.heroImageAlt) || undefined;
    return alt ? { url, alt } : { url };
  }
  return undefined;
}

/**
 * Jekyll's tags for the site's own address (`{{ site.baseurl }}/x.png`, `{{ '/x.png' | relative_url }}`)
 * as the plain paths they stand for: Markdown cannot read a link with spaces in it.
 */
function withSiteAddressesResolved(body: string): string {
  if (!body.includes('{{')) return body;
  return body
    .replace(/\{\{\s*site\.(?:url|baseurl)\s*\}\}/g, '')
    .replace(/\{\{\s*(['"])([^'"{}\n]*)\1\s*\|\s*(?:relative_url|absolute_url)\s*\}\}/g, '$2');
}

/**
 * Hugo's `figure` and `youtube` shortcodes as the image and link they show; any other shortcode
 * stays as text, with a warning. Read by searching for the delimiters, not by one regex over the body.
 */
function withHugoShortcodes(body: string, warnings: string[]): string {
  const out: string[] = [];
  let at = 0;
  let videos = 0;
  let others = 0;
  const opening = /\{\{[<%]/g;
  for (;;) {
    opening.lastIndex = at;
    const start = opening.exec(body)?.index;
    if (start === undefined) break;
    const closer = body[start + 2] === '<' ? '>}}' : '%}}';
    const end = body.indexOf(closer, start + 3);
    if (end < 0) break;
    const inner = body.slice(start + 3, end).trim();
    const name = /^[\w-]+/.exec(inner)?.[0] ?? '';
    const attrs: Record<string, string> = {};
    const positional: string[] = [];
    for (const m of inner.slice(name.length).matchAll(/([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))|"([^"]*)"|(\S+)/g)) {
      if (m[1]) attrs[m[1]] = m[2] ?? m[3] ?? m[4] ?? '';
      else positional.push(m[5] ?? m[6] ?? '');
    }
    let replacement: string | undefined;
    if (name === 'figure' && attrs.src) {
      const alt = (attrs.alt ?? attrs.caption ?? '').replace(/[[\]\\]/g, '\\$&');
      replacement = `![${alt}](${markdownDestination(attrs.src)})${attrs.caption ? `\n*${attrs.caption}*` : ''}`;
    } else if (name === 'youtube' && /^[\w-]{6,20}$/.test(attrs.id ?? positional[0] ?? '')) {
      replacement = `<https://www.youtube.com/watch?v=${attrs.id ?? positional[0]}>`;
      videos++;
    } else if (name && !name.startsWith('/')) others++;
    out.push(body.slice(at, start), replacement ?? body.slice(start, end + 3));
    at = end + 3;
  }
  out.push(body.slice(at));
  if (videos > 0) warnings.push(`Embedded videos became links (${videos}).`);
  if (others > 0) warnings.push('It uses Hugo shortcodes ({{< … >}}), which are kept as text.');
  return out.join('');
}

/** A link destination Markdown reads whole: in angle brackets when it has spaces or brackets. */
function markdownDestination(url: string): string {
  return /[\s()<>]/.test(url) ? `<${url.replace(/[<>\n]/g, '')}>` : url;
}

/**
 * MDX: the ESM lines (`import`, `export`) leave; components stay in the text, where Quire shows
 * nothing for them. Lines inside fenced code are kept.
 */
function withoutMdxStatements(body: string, warnings: string[]): string {
  let fence: string | undefined;
  let removed = 0;
  const lines = body.split('\n').filter((line) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      return true;
    }
    if (fence === undefined && /^(import|export)\s/.test(line)) {
      removed++;
      return false;
    }
    return true;
  });
  const components = /<[A-Z]/.test(body);
  if (removed > 0 || components) {
    warnings.push(
      `It is MDX: ${removed > 0 ? 'its import and export lines were removed' : 'it is read as Markdown'}${components ? ', and its components (<Component …>) will not show' : ''}.`,
    );
  }
  return lines.join('\n');
}

// ── Old addresses ──────────────────────────────────────────────────────────────────────────

/** A path as the front matter gives it (`permalink`, `url`): not a template, not `false`. */
function usablePath(value: unknown): string | undefined {
  const text = textOf(value);
  return text.startsWith('/') && !/[{}\s]/.test(text) ? text : undefined;
}

function lastSegment(pathname: string): string {
  return (
    pathname
      .split('/')
      .filter(Boolean)
      .pop()
      ?.replace(/\.html?$/, '') ?? ''
  );
}

type PathFacts = {
  source: string;
  segments: string[];
  /** The file's name without its extension (a bundle's folder name), as generators that keep dates in addresses use it. */
  fileName: string;
  fileSlug: string;
  slug: string;
  title: string;
  kind: 'post' | 'page';
  generator: Generator;
  site: SiteConfig;
  meta: Record<string, unknown>;
  permalink: string | undefined;
  urlDate: [string, string, string] | undefined;
};

const JEKYLL_STYLES: Record<string, string> = {
  date: '/:categories/:year/:month/:day/:title:output_ext',
  pretty: '/:categories/:year/:month/:day/:title/',
  ordinal: '/:categories/:year/:y_day/:title:output_ext',
  none: '/:categories/:title:output_ext',
};

function oldPathsOf(facts: PathFacts): string[] {
  const { generator, site, meta, kind, segments, fileName, fileSlug, slug, urlDate } = facts;
  const paths: string[] = [];
  const expand = (pattern: string, values: Record<string, string | undefined>) => {
    const expanded = expandPattern(pattern, values);
    if (expanded) paths.push(expanded);
  };
  const [year, month, day] = urlDate ?? [];
  const dateValues = {
    year,
    month,
    day,
    i_month: month && String(Number(month)),
    i_day: day && String(Number(day)),
    short_year: year?.slice(2),
  };

  if (facts.permalink) {
    // Jekyll's permalinks in front matter may themselves use placeholders.
    expand(facts.permalink, { ...dateValues, title: slug, slug, categories: jekyllCategories(meta), output_ext: '.html' });
  } else if (generator === 'jekyll') {
    if (kind === 'post') {
      const style = site.jekyllPermalink;
      const values = {
        ...dateValues,
        title: textOf(meta.slug) || fileSlug,
        slug: textOf(meta.slug) || fileSlug,
        categories: jekyllCategories(meta),
        output_ext: '.html',
      };
      if (style && style !== 'date' && style !== 'pretty') expand(JEKYLL_STYLES[style] ?? style, values);
      else {
        // The default (`date`) and its `pretty` twin: sites move between the two.
        expand(JEKYLL_STYLES.date!, values);
        expand(JEKYLL_STYLES.pretty!, values);
      }
    } else {
      const stem = facts.source.replace(/\.[^.]+$/, '');
      paths.push(stem.endsWith('/index') || stem === 'index' ? `/${stem.slice(0, -'index'.length)}` : `/${stem}.html`);
      if (site.jekyllPermalink === 'pretty' && !stem.endsWith('index')) paths.push(`/${stem}/`);
    }
  } else if (generator === 'hugo' && segments[0] === 'content') {
    const bundle = facts.source.split('/').pop()!.startsWith('index.');
    const folders = segments.slice(1, bundle ? -1 : undefined);
    const section = folders[0] ?? '';
    const ownSlug = textOf(meta.slug);
    const pattern = section ? site.hugoPermalinks[section] : undefined;
    if (pattern) {
      expand(pattern, {
        ...dateValues,
        slug: ownSlug || slugify(facts.title),
        title: slugify(facts.title),
        section,
        filename: fileName,
        contentbasename: fileName,
        slugorfilename: ownSlug || fileName,
        slugorcontentbasename: ownSlug || fileName,
      });
    } else {
      // Hugo lower-cases paths by default; a section's page sits at /<section>/<slug or file name>/.
      paths.push(`/${[...folders, ownSlug || fileName].join('/')}/`.toLowerCase());
    }
  } else if (generator === 'eleventy') {
    const stem = facts.source.replace(/\.[^.]+$/, '').replace(/(^|\/)index$/, '');
    paths.push(`/${stem}/`);
    // The input folder is set in JavaScript config, which is not read: it is often one of these.
    const inner = /^(content|src)\/(.+)$/.exec(stem);
    if (inner) paths.push(`/${inner[2]}/`);
  } else if (generator === 'astro') {
    const collection = /^src\/content\/([^/]+)\/(.+)$/.exec(facts.source.replace(/\.[^.]+$/, '').replace(/\/index$/, ''));
    const page = /^src\/pages\/(.+)$/.exec(facts.source.replace(/\.[^.]+$/, '').replace(/\/index$/, ''));
    if (collection) paths.push(`/${collection[1]}/${textOf(meta.slug) || collection[2]}/`);
    else if (page) paths.push(`/${page[1]}/`);
  }
  for (const key of ['aliases', 'redirect_from']) {
    const value = meta[key];
    for (const alias of (Array.isArray(value) ? value : [value]).slice(0, IMPORT_LIMITS.oldPathsPerItem)) {
      const aliasPath = usablePath(alias);
      if (aliasPath) paths.push(aliasPath);
    }
  }
  const unique = [...new Set(paths.map((p) => site.basePath + p.replace(/\/{2,}/g, '/')))];
  return unique.slice(0, IMPORT_LIMITS.oldPathsPerItem);
}

/** Jekyll's `:categories`: the post's categories, lower-cased, as folders. */
function jekyllCategories(meta: Record<string, unknown>): string {
  const value = meta.categories ?? meta.category;
  const list = Array.isArray(value) ? value.map(textOf) : typeof value === 'string' ? value.split(/\s+/) : [];
  return list
    .filter(Boolean)
    .slice(0, 10)
    .map((name) => encodeURIComponent(name.toLowerCase()))
    .join('/');
}

/** `/:year/:month/:title/` with the values put in; undefined when a placeholder has no value. */
function expandPattern(pattern: string, values: Record<string, string | undefined>): string | undefined {
  let missing = false;
  const expanded = pattern.replace(/:([a-z_]+)/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) missing = true;
    return value ?? whole;
  });
  if (missing || !expanded.startsWith('/')) return undefined;
  return expanded.replace(/\/{2,}/g, '/');
}

// ── Images ─────────────────────────────────────────────────────────────────────────────────

/**
 * Where an image URL of a post may be in the zip: beside the post (a page bundle), or from the
 * site's root (Jekyll), its `static/` (Hugo) or `public/` (Astro, Eleventy). Absolute URLs are
 * the applier's to fetch.
 */
function localCandidates(url: string, source: string, basePath: string): string[] {
  // Jekyll writes {{ site.baseurl }} before its own paths.
  let ref = url.trim().replace(/^(?:\{\{\s*site\.(?:url|baseurl)\s*\}\})+/, '');
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref) || ref.startsWith('//')) return [];
  ref = ref.replace(/[?#].*$/, '');
  try {
    ref = decodeURIComponent(ref);
  } catch {
    // Left as written: a file may well be named with a bare %.
  }
  if (!ref || ref.includes('\0')) return [];
  const inside = (candidate: string) => {
    const normal = path.posix.normalize(candidate);
    return normal.startsWith('../') || normal === '..' || normal.startsWith('/') ? undefined : normal;
  };
  const candidates: (string | undefined)[] = [];
  if (ref.startsWith('/')) {
    const fromRoot = basePath && ref.startsWith(`${basePath}/`) ? ref.slice(basePath.length) : ref;
    for (const folder of ['', 'static', 'public', 'assets', 'src']) candidates.push(inside(path.posix.join(folder, fromRoot.slice(1))));
  } else {
    candidates.push(inside(path.posix.join(path.posix.dirname(source), ref)), inside(ref));
  }
  return [...new Set(candidates.filter((c): c is string => c !== undefined))];
}

// ── The site ───────────────────────────────────────────────────────────────────────────────

/** Title, address and permalink settings from the generator's config, when it is YAML or JSON. */
async function readSiteConfig(archive: Archive, root: string, generator: Generator, files: Map<string, number>): Promise<SiteConfig> {
  const result: SiteConfig = { site: { tagPaths: [], warnings: [] }, basePath: '', hugoPermalinks: {} };
  const read = async (name: string): Promise<Record<string, unknown> | undefined> => {
    if (!files.has(name)) return undefined;
    const text = (await archive.read(root + name, CONFIG_FILE_MAX))!.toString('utf8');
    if (name.endsWith('.json')) {
      try {
        return frontMatterObject(JSON.parse(text));
      } catch {
        throw new InputError(`${name} is not valid JSON.`);
      }
    }
    return frontMatterObject(parseYamlSafely(text, name));
  };
  const first = async (names: string[]) => {
    for (const name of names) {
      const found = await read(name);
      if (found) return found;
    }
    return undefined;
  };

  let settings: Record<string, unknown> | undefined;
  if (generator === 'jekyll') {
    settings = await first(['_config.yml', '_config.yaml']);
    if (settings) {
      result.jekyllPermalink = textOf(settings.permalink) || undefined;
      result.basePath = cleanBasePath(textOf(settings.baseurl));
      const url = textOf(settings.url);
      if (url) result.site.url = url + result.basePath;
    }
  } else if (generator === 'hugo') {
    settings = await first(['hugo.yaml', 'hugo.yml', 'hugo.json', 'config.yaml', 'config.yml', 'config.json']);
    if (settings) {
      const baseURL = textOf(settings.baseURL ?? settings.baseurl);
      if (baseURL) {
        result.site.url = baseURL;
        try {
          result.basePath = cleanBasePath(new URL(baseURL).pathname);
        } catch {
          // Not a URL: no base path.
        }
      }
      const permalinks = frontMatterObject(settings.permalinks);
      const pages = frontMatterObject(permalinks.page);
      for (const [section, pattern] of Object.entries(Object.keys(pages).length > 0 ? pages : permalinks)) {
        if (typeof pattern === 'string') result.hugoPermalinks[section] = pattern;
      }
      settings.description ??= frontMatterObject(settings.params).description;
    } else if (files.has('hugo.toml') || files.has('config.toml')) {
      result.site.warnings.push(
        "The site's Hugo settings are TOML, which Quire cannot read yet: its title and permalink settings were not imported.",
      );
    }
  } else if (generator === 'eleventy') {
    settings = await first(['_data/metadata.json', 'src/_data/metadata.json']);
    if (settings && textOf(settings.url)) result.site.url = textOf(settings.url);
  }
  if (settings) {
    result.site.title = textOf(settings.title) || undefined;
    result.site.description = textOf(settings.description) || undefined;
  }
  return result;
}

/** `/blog/` → `/blog`; '' for the root. */
function cleanBasePath(value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  return trimmed && trimmed.startsWith('/') && !/[\s{}]/.test(trimmed) ? trimmed : '';
}
