/**
 * What every reader of another platform's export produces (docs/architecture.md, "Moving in"):
 * the site's details up front, then its posts and pages one at a time, so that a 5,000-post
 * export never sits whole in a worker's heap. Readers only read and describe; the applier
 * (`apply.ts`) decides addresses, converts HTML to Markdown, fetches images and writes.
 */

export type ImportSourceKind = 'wordpress' | 'ghost' | 'substack' | 'markdown';

export const SOURCE_NAMES: Record<ImportSourceKind, string> = {
  wordpress: 'WordPress',
  ghost: 'Ghost',
  substack: 'Substack',
  markdown: 'Markdown folder',
};

/** A post's or page's text as the source keeps it: HTML (cleaned of the source's own markup) or Markdown. */
export type ImportedBody = { html: string } | { markdown: string };

export type ImportedComment = {
  /** The source's id, for replies and the report. */
  sourceId: string;
  authorName: string;
  /** http(s) only; anything else is dropped by the applier. */
  authorUrl?: string;
  /** The comment's text as the source stores it (HTML or plain text; rendered as a comment is). */
  body: string;
  createdAt: Date;
};

export type ImportedItem = {
  kind: 'post' | 'page';
  /** The source's own id (WordPress post id, Ghost id, Substack id, file name): named in the report. */
  sourceId: string;
  title: string;
  /** The address as the source has it; the applier makes it one of ours (and unique). */
  slug: string;
  /** `private` is kept as a draft, with a warning. */
  status: 'published' | 'draft' | 'scheduled' | 'private';
  publishedAt?: Date;
  updatedAt?: Date;
  body: ImportedBody;
  /** The author's own excerpt, if the source has one. */
  excerpt?: string;
  /** Tags and categories, by name. */
  tags: string[];
  /** Display names of the authors, in order. */
  authors: string[];
  /** The cover: a URL as the export has it (absolute, or a path into the export's own files). */
  featureImage?: { url: string; alt?: string };
  /**
   * Where the post was on the old site, as paths with their query (`/2024/05/hello/`, `/?p=123`,
   * `/p/hello`): each becomes a 301 to the new address. The applier drops the host of an
   * absolute URL and checks each path.
   */
  oldPaths: string[];
  /** Approved comments only: the reader drops spam, trash and unapproved ones (counted in warnings). */
  comments: ImportedComment[];
  /** What will change or be dropped for this item, one sentence each ("The [gallery] shortcode became its images."). */
  warnings: string[];
};

export type ImportedSite = {
  title?: string;
  description?: string;
  /** The old site's address, used to tell its own links and images from others'. */
  url?: string;
  /** Old tag or category listing paths (`/category/news/`, `/tag/x/`) → the tag's name. */
  tagPaths: { path: string; tag: string }[];
  /** What will change or be dropped for the whole export. */
  warnings: string[];
};

export type ImportSource = {
  kind: ImportSourceKind;
  site: ImportedSite;
  /** Posts and pages, one at a time, in the source's order. Called once per reader. */
  items(): AsyncIterable<ImportedItem>;
  /**
   * The bytes of an image the export itself carries (a zip's file), by its URL as written in
   * the item (relative to the item's file, or a site path such as `/content/images/x.jpg`);
   * undefined when the export does not have it (the applier then fetches an absolute URL).
   */
  localFile?(url: string, item: ImportedItem): Promise<Buffer | undefined>;
  close(): Promise<void>;
};

/** Bounds every reader holds an export to (besides the upload's own size limit). */
export const IMPORT_LIMITS = {
  /** Posts and pages in one export. */
  items: 20_000,
  /** Comments on one post. */
  commentsPerItem: 5_000,
  /** Comments in one export. */
  comments: 200_000,
  /** The text of one post or page as the source has it (HTML can be far longer than its Markdown). */
  bodyChars: 2_000_000,
  /** Old addresses recorded for one item. */
  oldPathsPerItem: 20,
  /** Images one import brings into the blog (each at most QUIRE_MEDIA_MAX_MB). */
  images: 20_000,
  /** Warnings, and images that cannot be had, kept for the report (the counts go on past it). */
  warnings: 1_000,
} as const;
