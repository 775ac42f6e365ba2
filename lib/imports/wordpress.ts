import fs from 'node:fs';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { InputError } from '@/lib/input';
import { htmlToText } from '@/lib/markdown/render';
import { checkDeadline } from '@/lib/workers/deadline';
import { IMPORT_LIMITS, type ImportedComment, type ImportedItem, type ImportedSite, type ImportSource } from './source';
import { wordpressBodyToHtml, type WordPressImage } from './wordpress-body';

/**
 * A reader of WordPress's own export (Tools → Export: WXR 1.0 to 1.2, an RSS file with WordPress's
 * elements), for the applier (./source.ts). The file can be hundreds of megabytes, so it is read
 * as a stream, twice, by saxes: the first pass checks the whole file and keeps only small maps
 * (the site, its authors, categories and tags, the attachments' addresses for featured images and
 * galleries, counts for the warnings); `items()` reads it again and hands over one post or page
 * at a time. An upload is hostile: a DTD is refused before anything is read from it (saxes never
 * expands entities, and an undefined one is an error), every element's text is held to a size
 * while it is gathered and saxes' own buffer to four times that, and nesting and attributes are
 * bounded, so neither a crafted file nor a huge one can take the worker's memory.
 *
 * Decisions (each a warning where something is lost):
 * - a post or page whose HTML is longer than IMPORT_LIMITS.bodyChars is left out, with a warning
 *   naming it, rather than refusing the whole export (saxes still holds its text while it passes:
 *   a single text longer than four times the limit refuses the file);
 * - posts and pages only: attachments serve featured images and galleries, navigation menus and
 *   WordPress's own kinds are dropped (menus with a warning), other kinds are counted in one;
 * - publish → published; draft, pending → draft; future → scheduled; private → private (kept as a
 *   draft); a password-protected post → draft (its password is not imported); trash and
 *   auto-draft are left out, counted;
 * - only published posts get old addresses (the others were never public);
 * - a date with no GMT (`0000-00-00 00:00:00`) is read from the local one as UTC, with a warning
 *   unless the item is a draft (WordPress leaves every draft's GMT date empty);
 * - the default category "Uncategorized" is not a tag;
 * - a comment is kept when approved; spam, trash, unapproved, pingbacks and trackbacks are counted.
 */

const FILE_CHUNK_BYTES = 64 * 1024;
/** saxes gathers a text, a comment, a tag with its attributes, or a DTD before telling us: bounded. */
const PENDING_CHARS_MAX = 4 * IMPORT_LIMITS.bodyChars;
const DEPTH_MAX = 32;
const ATTRIBUTES_MAX = 64;
/** Any element we keep other than a body, an excerpt or a comment: titles, names, dates, addresses. */
const FIELD_CHARS_MAX = 10_000;
const EXCERPT_CHARS_MAX = 20_000;
const TITLE_CHARS_MAX = 2_000;
/** Small maps kept from the first pass: past these, what is left is named in a warning. */
const ATTACHMENTS_MAX = 100_000;
const TERMS_MAX = 50_000;
const AUTHORS_MAX = 10_000;
const CATEGORIES_PER_ITEM_MAX = 1_000;
const NAMES_LISTED_MAX = 5;

const DTD_REFUSED = 'This file has a DTD (<!DOCTYPE>), which a WordPress export never has; it was not imported.';
const NOT_WXR =
  'This file is not a WordPress export: it has no RSS <channel> with a wp:wxr_version, as Tools → Export in WordPress writes.';
const NOT_XML = 'This file is not a WordPress export: it is not XML.';

/** Kinds of WordPress content that are WordPress's own machinery, dropped without a word. */
const MACHINERY = new Set([
  'attachment',
  'revision',
  'custom_css',
  'customize_changeset',
  'oembed_cache',
  'user_request',
  'wp_block',
  'wp_template',
  'wp_template_part',
  'wp_global_styles',
  'wp_navigation',
  'wp_font_family',
  'wp_font_face',
]);

export async function openWordPress(file: string, deadlineAt: number): Promise<ImportSource> {
  const encoding = sniffEncoding(file);
  const survey = new Survey();
  await surveyFile(file, encoding, deadlineAt, survey);
  survey.finish();
  const site = survey.site();
  let active: fs.ReadStream | undefined;
  let started = false;
  let closed = false;

  async function* items(): AsyncGenerator<ImportedItem> {
    if (started) throw new Error('items() reads the export once.');
    started = true;
    const ready: RawItem[] = [];
    const comments = { kept: 0 };
    const walker = new WxrWalker(true, (raw) => ready.push(raw));
    const stream = fs.createReadStream(file, { highWaterMark: FILE_CHUNK_BYTES });
    active = stream;
    try {
      for await (const text of decode(stream, encoding)) {
        if (closed) return;
        checkDeadline(deadlineAt);
        walker.write(text);
        for (let raw = ready.shift(); raw; raw = ready.shift()) {
          const item = survey.toItem(raw, comments);
          if (item) yield item;
          checkDeadline(deadlineAt);
        }
      }
      walker.close();
      for (let raw = ready.shift(); raw; raw = ready.shift()) {
        const item = survey.toItem(raw, comments);
        if (item) yield item;
      }
    } finally {
      stream.destroy();
      active = undefined;
    }
  }

  return {
    kind: 'wordpress',
    site,
    items,
    close: async () => {
      closed = true;
      active?.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the file

/** The text encoding: a byte-order mark, else the XML declaration's, else UTF-8. */
function sniffEncoding(file: string): string {
  const head = Buffer.alloc(1024);
  const fd = fs.openSync(file, 'r');
  let length: number;
  try {
    length = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const bytes = head.subarray(0, length);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  const declared = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']/.exec(bytes.toString('latin1'))?.[1];
  if (!declared) return 'utf-8';
  try {
    return new TextDecoder(declared).encoding;
  } catch {
    throw new InputError(`This file says its text is in ${declared}, an encoding we cannot read; export it again as UTF-8.`);
  }
}

/** C0 controls XML forbids but WordPress leaves in posts pasted from elsewhere: dropped, not refused. */
const FORBIDDEN_CONTROLS = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;

async function* decode(stream: fs.ReadStream, encoding: string): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of stream as AsyncIterable<Buffer>) yield decoder.decode(chunk, { stream: true }).replace(FORBIDDEN_CONTROLS, '');
  yield decoder.decode().replace(FORBIDDEN_CONTROLS, '');
}

/** The first pass: the whole file checked, the survey filled. */
async function surveyFile(file: string, encoding: string, deadlineAt: number, survey: Survey): Promise<void> {
  const walker = new WxrWalker(false, (raw) => survey.addItem(raw));
  walker.survey = survey;
  const stream = fs.createReadStream(file, { highWaterMark: FILE_CHUNK_BYTES });
  try {
    for await (const text of decode(stream, encoding)) {
      checkDeadline(deadlineAt);
      walker.write(text);
    }
    walker.close();
  } finally {
    stream.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The XML: what WordPress writes, gathered element by element

type RawCategory = { domain: string; nicename: string; name: string };

type RawComment = {
  id: string;
  author: string;
  authorUrl: string;
  date: string;
  dateGmt: string;
  content: string;
  /** The content was longer than what was left of the item's budget for comments. */
  tooLong: boolean;
  approved: string;
  type: string;
};

type RawItem = {
  line: number;
  title: string;
  link: string;
  guid: string;
  creator: string;
  content: string;
  contentChars: number;
  excerpt: string;
  postId: string;
  postDate: string;
  postDateGmt: string;
  modifiedGmt: string;
  postName: string;
  status: string;
  postType: string;
  postParent: string;
  password: string;
  attachmentUrl: string;
  categories: RawCategory[];
  /** Only the keys this reader uses: `_thumbnail_id`, `_wp_attachment_image_alt`. */
  meta: Map<string, string>;
  /** Approved comments, pingbacks left out (both passes count them). */
  approvedComments: number;
  /** The approved comments kept (second pass only), at most IMPORT_LIMITS.commentsPerItem. */
  comments: RawComment[];
  /** Characters of the comments kept (held to IMPORT_LIMITS.bodyChars per item). */
  commentChars: number;
  dropped: { notApproved: number; pings: number; tooMany: number; tooLong: number };
};

type RawAuthor = { login: string; displayName: string };
type RawTerm = { kind: 'category' | 'post_tag'; id: string; nicename: string; parent: string; name: string };

const USED_META = new Set(['_thumbnail_id', '_wp_attachment_image_alt']);

const ITEM_FIELDS: Record<string, keyof RawItem> = {
  title: 'title',
  link: 'link',
  guid: 'guid',
  'dc:creator': 'creator',
  'excerpt:encoded': 'excerpt',
  'wp:post_id': 'postId',
  'wp:post_date': 'postDate',
  'wp:post_date_gmt': 'postDateGmt',
  'wp:post_modified_gmt': 'modifiedGmt',
  'wp:post_name': 'postName',
  'wp:status': 'status',
  'wp:post_type': 'postType',
  'wp:post_parent': 'postParent',
  'wp:post_password': 'password',
  'wp:attachment_url': 'attachmentUrl',
};

const COMMENT_FIELDS: Record<string, keyof RawComment> = {
  'wp:comment_id': 'id',
  'wp:comment_author': 'author',
  'wp:comment_author_url': 'authorUrl',
  'wp:comment_date': 'date',
  'wp:comment_date_gmt': 'dateGmt',
  'wp:comment_content': 'content',
  'wp:comment_approved': 'approved',
  'wp:comment_type': 'type',
};

/**
 * The text of one element being gathered: past `max` characters only counted (the first `max`
 * kept, for a name or a title cut short); `keep: false` only counts (a body in the first pass).
 */
type Capture = {
  parts: string[];
  chars: number;
  max: number;
  keep: boolean;
  over: boolean;
  done: (text: string, over: boolean, chars: number) => void;
};

/**
 * saxes, with handlers that know where in a WXR file they are (rss › channel › item › …) and
 * gather only the text of elements this reader uses, each to its own bound.
 */
class WxrWalker {
  private parser = new SaxesParser({ xmlns: false, position: true });
  private path: string[] = [];
  private capture: Capture | undefined;
  private item: RawItem | undefined;
  private comment: RawComment | undefined;
  private metaKey = '';
  private author: RawAuthor | undefined;
  private term: RawTerm | undefined;
  private lastEventAt = 0;
  private attributes = 0;
  private sawRoot = false;
  /** The first pass's record of the channel; undefined in the second pass. */
  survey: Survey | undefined;

  constructor(
    private readonly keepText: boolean,
    private readonly onItem: (item: RawItem) => void,
  ) {
    const parser = this.parser;
    const seen = () => {
      this.lastEventAt = parser.position;
    };
    parser.on('doctype', () => {
      throw new InputError(DTD_REFUSED);
    });
    parser.on('xmldecl', seen);
    parser.on('comment', seen);
    parser.on('processinginstruction', seen);
    parser.on('opentagstart', () => {
      seen();
      this.attributes = 0;
    });
    parser.on('attribute', () => {
      seen();
      if (++this.attributes > ATTRIBUTES_MAX)
        throw new InputError(
          `This file has an element with more than ${ATTRIBUTES_MAX} attributes (line ${parser.line}), which a WordPress export never has; it was not imported.`,
        );
    });
    parser.on('text', (text) => {
      seen();
      this.append(text);
    });
    parser.on('cdata', (text) => {
      seen();
      this.append(text);
    });
    parser.on('opentag', (tag) => {
      seen();
      this.open(tag);
    });
    parser.on('closetag', (tag) => {
      seen();
      this.closeElement(tag.name);
    });
  }

  write(text: string): void {
    // A DOCTYPE is refused before saxes reads (and holds) its internal subset.
    if (this.path.length === 0 && this.beforeRoot(text)) throw new InputError(DTD_REFUSED);
    try {
      this.parser.write(text);
    } catch (error) {
      throw this.asInputError(error);
    }
    if (this.parser.position - this.lastEventAt > PENDING_CHARS_MAX)
      throw new InputError(
        `This file has a text or a tag longer than ${PENDING_CHARS_MAX.toLocaleString('en')} characters (from line ${this.parser.line}), more than a WordPress export holds; it was not imported.`,
      );
  }

  /** Whether `<!DOCTYPE` comes in this text before any element starts (the root not yet open). */
  private beforeRoot(text: string): boolean {
    const at = text.indexOf('<!DOCTYPE');
    return at !== -1 && !/<[A-Za-z_]/.test(text.slice(0, at));
  }

  close(): void {
    try {
      this.parser.close();
    } catch (error) {
      throw this.asInputError(error);
    }
    if (this.survey && !this.survey.sawChannel) throw new InputError(NOT_WXR);
  }

  private asInputError(error: unknown): Error {
    if (error instanceof InputError || !(error instanceof Error)) return error as Error;
    // saxes: "12:5: unexpected close tag." — the line is ours to name, the rest is its words.
    if (!this.sawRoot) return new InputError(NOT_XML);
    const reason = error.message.replace(/^\d+:\d+: /, '').replace(/\.$/, '');
    return new InputError(`This file is not valid XML (line ${this.parser.line}: ${reason}).`);
  }

  private append(text: string): void {
    const capture = this.capture;
    if (!capture) return;
    const room = capture.max - capture.chars;
    capture.chars += text.length;
    if (capture.over || !capture.keep) return;
    if (text.length > room) {
      capture.over = true;
      capture.parts.push(text.slice(0, room));
    } else capture.parts.push(text);
  }

  private startCapture(max: number, done: Capture['done'], keep = true): void {
    this.capture = { parts: [], chars: 0, max, keep, over: false, done };
  }

  private open(tag: SaxesTagPlain): void {
    const { name, attributes } = tag;
    const depth = this.path.length;
    if (depth >= DEPTH_MAX)
      throw new InputError(
        `This file nests its elements more than ${DEPTH_MAX} deep (line ${this.parser.line}), which a WordPress export never does; it was not imported.`,
      );
    this.path.push(name);
    this.sawRoot = true;
    this.capture = undefined;
    const survey = this.survey;
    if (depth === 0) {
      if (name !== 'rss' || !('xmlns:wp' in attributes)) throw new InputError(NOT_WXR);
      return;
    }
    if (depth === 1) {
      if (name === 'channel' && survey) survey.sawChannel = true;
      return;
    }
    if (this.path[1] !== 'channel') return;
    if (depth === 2) {
      if (name === 'item') {
        if (survey && !survey.wxrVersion) throw new InputError(NOT_WXR);
        this.item = newItem(this.parser.line);
      } else if (survey) this.openChannelChild(name, survey);
      return;
    }
    const parent = this.path[2];
    if (parent === 'item') this.openItemChild(name, attributes, depth);
    else if (survey && depth === 3) this.openChannelGrandchild(name);
  }

  private openChannelChild(name: string, survey: Survey): void {
    const field = {
      title: 'title',
      link: 'link',
      description: 'description',
      'wp:wxr_version': 'wxrVersion',
      'wp:base_blog_url': 'baseBlogUrl',
    }[name] as 'title' | 'link' | 'description' | 'wxrVersion' | 'baseBlogUrl' | undefined;
    if (field) this.startCapture(FIELD_CHARS_MAX, (text) => (survey[field] = text.trim()));
    else if (name === 'wp:author') this.author = { login: '', displayName: '' };
    else if (name === 'wp:category') this.term = { kind: 'category', id: '', nicename: '', parent: '', name: '' };
    else if (name === 'wp:tag') this.term = { kind: 'post_tag', id: '', nicename: '', parent: '', name: '' };
  }

  private openChannelGrandchild(name: string): void {
    const author = this.author;
    const term = this.term;
    if (this.path[2] === 'wp:author' && author) {
      if (name === 'wp:author_login') this.startCapture(FIELD_CHARS_MAX, (text) => (author.login = text.trim()));
      else if (name === 'wp:author_display_name') this.startCapture(FIELD_CHARS_MAX, (text) => (author.displayName = text.trim()));
    } else if ((this.path[2] === 'wp:category' || this.path[2] === 'wp:tag') && term) {
      const field = {
        'wp:term_id': 'id',
        'wp:category_nicename': 'nicename',
        'wp:tag_slug': 'nicename',
        'wp:category_parent': 'parent',
        'wp:cat_name': 'name',
        'wp:tag_name': 'name',
      }[name] as 'id' | 'nicename' | 'parent' | 'name' | undefined;
      if (field) this.startCapture(FIELD_CHARS_MAX, (text) => (term[field] = text.trim()));
    }
  }

  private openItemChild(name: string, attributes: Record<string, string>, depth: number): void {
    const item = this.item;
    if (!item) return;
    if (depth === 3) {
      const field = ITEM_FIELDS[name];
      if (name === 'content:encoded') {
        this.startCapture(
          IMPORT_LIMITS.bodyChars,
          (text, over, chars) => {
            item.contentChars = chars;
            if (!over) item.content = text;
          },
          this.keepText,
        );
      } else if (field === 'excerpt') {
        if (this.keepText) this.startCapture(EXCERPT_CHARS_MAX, (text) => (item.excerpt = text));
      } else if (field) {
        this.startCapture(field === 'title' ? TITLE_CHARS_MAX : FIELD_CHARS_MAX, (text) => ((item[field] as string) = text.trim()));
      } else if (name === 'category') {
        const category = { domain: attributes.domain ?? '', nicename: attributes.nicename ?? '', name: '' };
        this.startCapture(FIELD_CHARS_MAX, (text) => {
          category.name = text.trim();
          if (item.categories.length < CATEGORIES_PER_ITEM_MAX) item.categories.push(category);
        });
      } else if (name === 'wp:comment') {
        this.comment = { id: '', author: '', authorUrl: '', date: '', dateGmt: '', content: '', tooLong: false, approved: '', type: '' };
      } else if (name === 'wp:postmeta') this.metaKey = '';
      return;
    }
    if (depth !== 4) return;
    const comment = this.comment;
    if (this.path[3] === 'wp:comment' && comment) {
      const field = COMMENT_FIELDS[name];
      if (field === 'content') {
        // A comment's text is kept only in the second pass, within the item's budget for comments.
        const left = IMPORT_LIMITS.bodyChars - item.commentChars;
        if (this.keepText)
          this.startCapture(left, (text, over) => {
            comment.content = text;
            comment.tooLong = over;
          });
      } else if (field) this.startCapture(FIELD_CHARS_MAX, (text) => ((comment[field] as string) = text.trim()));
    } else if (this.path[3] === 'wp:postmeta') {
      if (name === 'wp:meta_key') this.startCapture(FIELD_CHARS_MAX, (text) => (this.metaKey = text.trim()));
      else if (name === 'wp:meta_value' && USED_META.has(this.metaKey)) {
        const key = this.metaKey;
        this.startCapture(FIELD_CHARS_MAX, (text) => item.meta.set(key, text.trim()));
      }
    }
  }

  private closeElement(name: string): void {
    const depth = this.path.length - 1;
    const capture = this.capture;
    if (capture) {
      this.capture = undefined;
      capture.done(capture.parts.join(''), capture.chars > capture.max, capture.chars);
    }
    this.path.pop();
    if (depth === 2 && name === 'item' && this.item) {
      this.onItem(this.item);
      this.item = undefined;
    } else if (depth === 2 && name === 'wp:author' && this.author) {
      this.survey?.addAuthor(this.author);
      this.author = undefined;
    } else if (depth === 2 && (name === 'wp:category' || name === 'wp:tag') && this.term) {
      this.survey?.addTerm(this.term);
      this.term = undefined;
    } else if (depth === 3 && name === 'wp:comment' && this.comment && this.item) {
      this.endComment(this.item, this.comment);
      this.comment = undefined;
    }
  }

  /** A comment is sorted as soon as it ends, so that an item holds only those it keeps. */
  private endComment(item: RawItem, comment: RawComment): void {
    const { dropped } = item;
    if (comment.type === 'pingback' || comment.type === 'trackback') dropped.pings++;
    else if (comment.approved !== '1') dropped.notApproved++;
    else {
      item.approvedComments++;
      if (!this.keepText) return;
      if (comment.tooLong) dropped.tooLong++;
      else if (item.comments.length >= IMPORT_LIMITS.commentsPerItem) dropped.tooMany++;
      else {
        item.comments.push(comment);
        item.commentChars += comment.content.length;
      }
    }
  }
}

function newItem(line: number): RawItem {
  return {
    line,
    title: '',
    link: '',
    guid: '',
    creator: '',
    content: '',
    contentChars: 0,
    excerpt: '',
    postId: '',
    postDate: '',
    postDateGmt: '',
    modifiedGmt: '',
    postName: '',
    status: '',
    postType: '',
    postParent: '',
    password: '',
    attachmentUrl: '',
    categories: [],
    meta: new Map(),
    approvedComments: 0,
    comments: [],
    commentChars: 0,
    dropped: { notApproved: 0, pings: 0, tooMany: 0, tooLong: 0 },
  };
}

// ---------------------------------------------------------------------------------------------
// The first pass's findings, and what they make of each item in the second

type Fate = { kind: 'post' | 'page' } | { skip: 'trash' | 'auto-draft' | 'too-long' | 'machinery' | 'menu' | 'other' };

function fateOf(raw: RawItem): Fate {
  const type = raw.postType || 'post';
  if (type === 'nav_menu_item') return { skip: 'menu' };
  if (MACHINERY.has(type)) return { skip: 'machinery' };
  if (type !== 'post' && type !== 'page') return { skip: 'other' };
  if (raw.status === 'trash') return { skip: 'trash' };
  if (raw.status === 'auto-draft') return { skip: 'auto-draft' };
  if (raw.contentChars > IMPORT_LIMITS.bodyChars) return { skip: 'too-long' };
  return { kind: type };
}

class Survey {
  sawChannel = false;
  wxrVersion = '';
  title = '';
  link = '';
  description = '';
  baseBlogUrl = '';
  private authors = new Map<string, string>();
  private terms = new Map<string, RawTerm>();
  private attachments = new Map<number, WordPressImage & { parent: number }>();
  private children = new Map<number, number[]>();
  private counts = { items: 0, comments: 0, trash: 0, autoDrafts: 0, menuItems: 0, attachmentsPast: 0, termsPast: 0 };
  private otherKinds = new Map<string, number>();
  private tooLong: string[] = [];

  addAuthor(author: RawAuthor): void {
    if (author.login && this.authors.size < AUTHORS_MAX) this.authors.set(author.login, decodeText(author.displayName) || author.login);
  }

  addTerm(term: RawTerm): void {
    // A slug as WordPress makes it (percent-encoded when not ASCII), so that it can be a path.
    if (!/^[A-Za-z0-9%_.~-]{1,200}$/.test(term.nicename)) return;
    const key = `${term.kind}:${term.nicename}`;
    if (this.terms.has(key)) {
      // The channel's list has ids and parents; an item's category element only a name.
      if (term.id) this.terms.set(key, term);
      return;
    }
    if (this.terms.size >= TERMS_MAX) this.counts.termsPast++;
    else this.terms.set(key, term);
  }

  addItem(raw: RawItem): void {
    const fate = fateOf(raw);
    if ('kind' in fate) {
      if (++this.counts.items > IMPORT_LIMITS.items)
        throw new InputError(
          `This export has more than ${IMPORT_LIMITS.items.toLocaleString('en')} posts and pages, more than one import takes; nothing was imported.`,
        );
      this.counts.comments += raw.approvedComments;
      for (const category of raw.categories) {
        const kind = termKind(category.domain);
        if (kind) this.addTerm({ kind, id: '', nicename: category.nicename, parent: '', name: category.name });
      }
      return;
    }
    switch (fate.skip) {
      case 'trash':
        this.counts.trash++;
        break;
      case 'auto-draft':
        this.counts.autoDrafts++;
        break;
      case 'menu':
        this.counts.menuItems++;
        break;
      case 'too-long':
        this.tooLong.push(describe(raw));
        break;
      case 'other':
        this.otherKinds.set(raw.postType, (this.otherKinds.get(raw.postType) ?? 0) + 1);
        break;
      case 'machinery':
        if (raw.postType === 'attachment') this.addAttachment(raw);
    }
  }

  private addAttachment(raw: RawItem): void {
    const id = positiveInteger(raw.postId);
    const url = httpUrl(raw.attachmentUrl) ?? httpUrl(raw.guid);
    if (!id || !url) return;
    if (this.attachments.size >= ATTACHMENTS_MAX) {
      this.counts.attachmentsPast++;
      return;
    }
    const alt = decodeText(raw.meta.get('_wp_attachment_image_alt') ?? '');
    const parent = positiveInteger(raw.postParent) ?? 0;
    this.attachments.set(id, { url, ...(alt ? { alt } : {}), parent });
  }

  /** After the first pass: what the whole export is, or why it is not one. */
  finish(): void {
    if (!this.sawChannel || !this.wxrVersion) throw new InputError(NOT_WXR);
    for (const [id, attachment] of this.attachments) {
      if (!attachment.parent) continue;
      const siblings = this.children.get(attachment.parent);
      if (siblings) siblings.push(id);
      else this.children.set(attachment.parent, [id]);
    }
  }

  site(): ImportedSite {
    const warnings: string[] = [];
    const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
    if (!/^1\.[0-2]$/.test(this.wxrVersion))
      warnings.push(`This export says it is WXR version ${this.wxrVersion.slice(0, 20)}; it was read as version 1.2, the latest we know.`);
    if (this.tooLong.length)
      warnings.push(
        `${listed(this.tooLong)} ${this.tooLong.length === 1 ? 'was' : 'were'} not imported: longer than ${IMPORT_LIMITS.bodyChars.toLocaleString('en')} characters of HTML.`,
      );
    if (this.counts.trash)
      warnings.push(
        `${plural(this.counts.trash, 'post or page in WordPress’s trash was', 'posts and pages in WordPress’s trash were')} not imported.`,
      );
    if (this.counts.autoDrafts)
      warnings.push(
        `${plural(this.counts.autoDrafts, 'auto-draft (a draft WordPress started by itself) was', 'auto-drafts (drafts WordPress started by itself) were')} not imported.`,
      );
    if (this.otherKinds.size) {
      const total = [...this.otherKinds.values()].reduce((a, b) => a + b, 0);
      const kinds = [...this.otherKinds].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind.slice(0, 40)} (${n.toLocaleString('en')})`);
      warnings.push(`${plural(total, 'item', 'items')} of other kinds than posts and pages were not imported: ${listed(kinds)}.`);
    }
    if (this.counts.menuItems)
      warnings.push(
        `The navigation menus (${plural(this.counts.menuItems, 'link', 'links')}) were not imported; set up the blog’s navigation again.`,
      );
    if (this.counts.comments > IMPORT_LIMITS.comments)
      warnings.push(
        `This export has ${this.counts.comments.toLocaleString('en')} approved comments; only the first ${IMPORT_LIMITS.comments.toLocaleString('en')} were imported.`,
      );
    if (this.counts.attachmentsPast)
      warnings.push(
        `The export has more than ${ATTACHMENTS_MAX.toLocaleString('en')} attachments; featured images and galleries use the first ${ATTACHMENTS_MAX.toLocaleString('en')}.`,
      );
    if (this.counts.termsPast)
      warnings.push(
        `The export has more than ${TERMS_MAX.toLocaleString('en')} categories and tags; the old addresses of the others were not kept.`,
      );
    const url = httpUrl(this.link) ?? httpUrl(this.baseBlogUrl);
    const title = decodeText(this.title);
    const description = decodeText(this.description);
    return {
      ...(title ? { title } : {}),
      ...(description && !DEFAULT_TAGLINES.has(description) ? { description } : {}),
      ...(url ? { url } : {}),
      tagPaths: this.tagPaths(),
      warnings,
    };
  }

  private tagPaths(): ImportedSite['tagPaths'] {
    const paths: ImportedSite['tagPaths'] = [];
    for (const term of this.terms.values()) {
      const tag = decodeText(term.name) || term.nicename;
      if (term.kind === 'post_tag') {
        paths.push({ path: `/tag/${term.nicename}/`, tag }, { path: `/?tag=${term.nicename}`, tag });
        continue;
      }
      if (isUncategorized(term.nicename)) continue;
      const chain = this.categoryChain(term);
      paths.push({ path: `/category/${chain.join('/')}/`, tag });
      if (chain.length > 1) paths.push({ path: `/category/${term.nicename}/`, tag });
      if (positiveInteger(term.id)) paths.push({ path: `/?cat=${term.id}`, tag });
    }
    return paths;
  }

  /** A category's nicename after its parents' (`parent/child`), as WordPress's addresses have it. */
  private categoryChain(term: RawTerm): string[] {
    const chain = [term.nicename];
    let parent = term.parent;
    while (/^[A-Za-z0-9%_.~-]{1,200}$/.test(parent) && chain.length < 10 && !chain.includes(parent)) {
      chain.unshift(parent);
      parent = this.terms.get(`category:${parent}`)?.parent ?? '';
    }
    return chain;
  }

  /** The second pass: a raw item → what the applier receives, or undefined when it is left out. */
  toItem(raw: RawItem, comments: { kept: number }): ImportedItem | undefined {
    const fate = fateOf(raw);
    if (!('kind' in fate)) return undefined;
    const warnings: string[] = [];
    const postId = positiveInteger(raw.postId) ?? 0;
    const { status, statusWarning } = statusOf(raw);
    if (statusWarning) warnings.push(statusWarning);

    const modified = wpDate(raw.modifiedGmt);
    let publishedAt: Date | undefined;
    if (status !== 'draft') {
      publishedAt = wpDate(raw.postDateGmt);
      if (!publishedAt) {
        publishedAt = wpDate(raw.postDate);
        if (publishedAt) warnings.push('Its date had no time zone in the export, so it was read as UTC.');
      }
    }
    const updatedAt = modified ?? (status === 'draft' ? wpDate(raw.postDate) : undefined);

    const body = wordpressBodyToHtml(raw.content, {
      postId,
      attachment: (id) => {
        const found = this.attachments.get(id);
        return found && { url: found.url, ...(found.alt ? { alt: found.alt } : {}) };
      },
      attachedTo: (parent) => this.children.get(parent) ?? [],
    });
    warnings.push(...body.warnings);

    let featureImage: ImportedItem['featureImage'];
    const thumbnail = positiveInteger(raw.meta.get('_thumbnail_id') ?? '');
    if (thumbnail) {
      const found = this.attachments.get(thumbnail);
      if (found) featureImage = { url: found.url, ...(found.alt ? { alt: found.alt } : {}) };
      else warnings.push(`Its featured image (attachment ${thumbnail}) is not in the export.`);
    }

    const excerpt = raw.excerpt.trim() ? decodeText(raw.excerpt) : '';
    const creator = raw.creator.trim();
    return {
      kind: fate.kind,
      sourceId: raw.postId || `line ${raw.line}`,
      title: decodeText(raw.title),
      slug: decodeSlug(raw.postName),
      status,
      ...(publishedAt ? { publishedAt } : {}),
      ...(updatedAt ? { updatedAt } : {}),
      body: { html: body.html },
      ...(excerpt ? { excerpt } : {}),
      tags: tagsOf(raw.categories),
      authors: creator ? [this.authors.get(creator) ?? creator] : [],
      ...(featureImage ? { featureImage } : {}),
      oldPaths: status === 'published' ? this.oldPaths(raw, fate.kind, postId) : [],
      comments: this.commentsOf(raw, comments, publishedAt ?? updatedAt, warnings),
      warnings,
    };
  }

  private oldPaths(raw: RawItem, kind: 'post' | 'page', postId: number): string[] {
    const base = httpUrl(this.link) ?? httpUrl(this.baseBlogUrl) ?? 'http://wordpress.invalid/';
    const paths = new Set<string>();
    const link = pathOf(raw.link, base);
    if (link && link !== '/') paths.add(link);
    if (postId) {
      paths.add(`/?p=${postId}`);
      if (kind === 'page') paths.add(`/?page_id=${postId}`);
    }
    const guid = pathOf(raw.guid, base);
    if (guid && /^\/\?(p|page_id)=\d+$/.test(guid)) paths.add(guid);
    return [...paths].slice(0, IMPORT_LIMITS.oldPathsPerItem);
  }

  private commentsOf(raw: RawItem, total: { kept: number }, fallbackDate: Date | undefined, warnings: string[]): ImportedComment[] {
    const kept: ImportedComment[] = [];
    const { notApproved, pings, tooMany, tooLong } = raw.dropped;
    let pastTotal = 0;
    let undated = 0;
    for (const comment of raw.comments) {
      if (total.kept >= IMPORT_LIMITS.comments) pastTotal++;
      else {
        const createdAt = wpDate(comment.dateGmt) ?? wpDate(comment.date) ?? fallbackDate;
        if (!createdAt) {
          undated++;
          continue;
        }
        const authorUrl = httpUrl(comment.authorUrl);
        kept.push({
          sourceId: comment.id,
          authorName: decodeText(comment.author) || 'Anonymous',
          ...(authorUrl ? { authorUrl } : {}),
          body: comment.content,
          createdAt,
        });
        total.kept++;
      }
    }
    const n = (count: number, one: string, many: string) => `${count.toLocaleString('en')} ${count === 1 ? one : many}`;
    if (notApproved)
      warnings.push(
        `${n(notApproved, 'comment that was', 'comments that were')} spam, in the trash or not approved ${notApproved === 1 ? 'was' : 'were'} left out.`,
      );
    if (pings) warnings.push(`${n(pings, 'pingback or trackback was', 'pingbacks and trackbacks were')} left out.`);
    if (tooMany)
      warnings.push(
        `${n(tooMany, 'comment', 'comments')} past the first ${IMPORT_LIMITS.commentsPerItem.toLocaleString('en')} ${tooMany === 1 ? 'was' : 'were'} left out.`,
      );
    if (tooLong)
      warnings.push(
        `${n(tooLong, 'comment was', 'comments were')} left out: its comments are longer than ${IMPORT_LIMITS.bodyChars.toLocaleString('en')} characters together.`,
      );
    if (pastTotal)
      warnings.push(
        `${n(pastTotal, 'comment was', 'comments were')} left out: the export has more than ${IMPORT_LIMITS.comments.toLocaleString('en')}.`,
      );
    if (undated) warnings.push(`${n(undated, 'comment', 'comments')} with no date ${undated === 1 ? 'was' : 'were'} left out.`);
    return kept;
  }
}

const DEFAULT_TAGLINES = new Set(['Just another WordPress site', 'Just another WordPress weblog', 'Just another WordPress.com site']);

function statusOf(raw: RawItem): { status: ImportedItem['status']; statusWarning?: string } {
  const protectedByPassword = raw.password !== '';
  switch (raw.status) {
    case 'publish':
    case 'future':
    case 'private':
      if (protectedByPassword)
        return {
          status: 'draft',
          statusWarning: 'It was protected by a password on WordPress; it is kept as a draft, since the password is not imported.',
        };
      if (raw.status === 'publish') return { status: 'published' };
      if (raw.status === 'future') return { status: 'scheduled' };
      // The applier keeps it as a draft and says so.
      return { status: 'private' };
    case 'draft':
      return { status: 'draft' };
    case 'pending':
      return { status: 'draft', statusWarning: 'It was pending review on WordPress; it is a draft.' };
    default:
      return {
        status: 'draft',
        statusWarning: `Its status on WordPress (“${raw.status.slice(0, 40)}”) is not one we know; it is a draft.`,
      };
  }
}

function termKind(domain: string): RawTerm['kind'] | undefined {
  if (domain === 'category' || domain === '') return 'category';
  // WordPress 2.x wrote "tag".
  if (domain === 'post_tag' || domain === 'tag') return 'post_tag';
  return undefined;
}

function isUncategorized(nicename: string): boolean {
  return nicename === 'uncategorized';
}

function tagsOf(categories: RawCategory[]): string[] {
  const tags = new Map<string, string>();
  for (const category of categories) {
    const kind = termKind(category.domain);
    if (!kind || (kind === 'category' && (isUncategorized(category.nicename) || category.name === 'Uncategorized'))) continue;
    const name = decodeText(category.name);
    if (name && !tags.has(name.toLowerCase())) tags.set(name.toLowerCase(), name);
  }
  return [...tags.values()];
}

function describe(raw: RawItem): string {
  const title = decodeText(raw.title).slice(0, 80);
  const what = `${raw.postType === 'page' ? 'page' : 'post'} ${raw.postId || `at line ${raw.line}`}`;
  return title ? `“${title}” (${what})` : `The ${what}`;
}

function listed(names: string[]): string {
  const shown = names.slice(0, NAMES_LISTED_MAX).join(', ');
  return names.length > NAMES_LISTED_MAX ? `${shown} and ${(names.length - NAMES_LISTED_MAX).toLocaleString('en')} more` : shown;
}

// ---------------------------------------------------------------------------------------------
// Small values

/** `2024-05-01 09:30:00` (WordPress's MySQL date) as UTC; `0000-00-00 00:00:00` is no date. */
function wpDate(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return date.getUTCDate() === day ? date : undefined;
}

function positiveInteger(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return n > 0 ? n : undefined;
}

function httpUrl(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > 2_048 || !/^https?:\/\//i.test(trimmed)) return undefined;
  try {
    return new URL(trimmed).href;
  } catch {
    return undefined;
  }
}

/** The path and query of an address on the old site (`/2024/05/hello/`, `/?p=12`). */
function pathOf(text: string, base: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > 2_048) return undefined;
  try {
    const url = new URL(trimmed, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.pathname + url.search;
  } catch {
    return undefined;
  }
}

/** WordPress keeps a non-ASCII slug percent-encoded (`%e6%97%a5`): the applier gets the text. */
function decodeSlug(name: string): string {
  try {
    return decodeURIComponent(name.trim());
  } catch {
    return name.trim();
  }
}

const ENTITY = /&(#\d{1,7}|#x[0-9a-f]{1,6}|amp|lt|gt|quot|apos|nbsp);/gi;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * A name or title as text: WordPress stores `&amp;` and numeric references in term names and
 * titles, and sometimes tags in titles (then the Markdown pipeline's htmlToText reads them).
 */
function decodeText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.includes('<')) return htmlToText(trimmed);
  if (!trimmed.includes('&')) return trimmed.replace(/\s+/g, ' ');
  return trimmed
    .replace(ENTITY, (whole, entity: string) => {
      if (entity[0] !== '#') return NAMED[entity.toLowerCase()] ?? whole;
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    })
    .replace(/\s+/g, ' ');
}
