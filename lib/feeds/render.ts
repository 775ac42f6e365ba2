import { Feed, type Item } from 'feed';
import type { FeedFormat } from './formats';

/** A feed as Quire means it, before any format: every URL absolute, every date real. */
export type FeedDocument = {
  title: string;
  description: string;
  language: string;
  author: string;
  /** The page the feed follows (the blog's home, or a tag's page). */
  pageUrl: string;
  /** This feed in each format: each names itself (`rel="self"`, `feed_url`). */
  feedUrls: Record<FeedFormat, string>;
  updated: Date;
  entries: FeedEntry[];
};

export type FeedEntry = {
  url: string;
  title: string;
  /** Plain text. */
  summary: string;
  /** Sanitized HTML with absolute URLs. */
  html: string;
  published: Date;
  modified: Date;
  tags: { name: string; url: string }[];
};

/**
 * Renders with the `feed` package, around what its XML writer (xml-js) gets wrong for hostile
 * text: it passes characters XML forbids, splits only the first `]]>` of a CDATA section, and
 * does not escape `<` in attributes. Every string is made safe here first; titles and
 * summaries are HTML-escaped where a format reads them as HTML (Atom `type="html"`, RSS
 * descriptions), and left plain where it reads text (RSS titles, JSON Feed).
 */
export function renderFeed(doc: FeedDocument, format: FeedFormat): string {
  const feed = new Feed({
    id: doc.pageUrl,
    title: xmlText(doc.title),
    description: xmlText(doc.description) || undefined,
    link: doc.pageUrl,
    language: doc.language,
    updated: doc.updated,
    generator: 'Quire',
    feedLinks: doc.feedUrls,
    author: { name: xmlText(doc.author) },
  });
  for (const entry of doc.entries) feed.addItem(toItem(entry, format, xmlText(doc.author)));
  switch (format) {
    case 'rss':
      return feed.rss2();
    case 'atom':
      return feed.atom1();
    case 'json':
      return toJsonFeed11(feed.json1(), doc);
  }
}

function toItem(entry: FeedEntry, format: FeedFormat, author: string): Item {
  const asHtml = format !== 'json';
  const title = xmlText(entry.title);
  return {
    id: entry.url,
    link: entry.url,
    title: format === 'atom' ? escapeHtml(title) : format === 'rss' ? splitCdataEnd(title) : title,
    description: asHtml ? escapeHtml(xmlText(entry.summary)) : xmlText(entry.summary),
    content: xmlText(entry.html),
    date: entry.modified,
    published: entry.published,
    category: entry.tags.map((tag) => categoryOf(tag, format)),
    // RSS's own <author> wants an email address; dc:creator is the usual way to name one.
    ...(format === 'rss' ? { extensions: [{ name: 'dc:creator', objects: { _text: author } }] } : {}),
  };
}

/**
 * Atom puts a category's name in an attribute, where the writer leaves `<` bare (invalid XML):
 * such a name gives way to the address of the tag's page, which also identifies it.
 */
function categoryOf(tag: { name: string; url: string }, format: FeedFormat) {
  const name = xmlText(tag.name);
  if (format !== 'atom') return { name, domain: tag.url };
  return { term: name.includes('<') ? tag.url : name };
}

/**
 * The package writes JSON Feed 1.0; 1.1 names the version, takes `authors` (a list) for
 * `author`, and the feed's `language`. Nothing else differs for what we publish.
 */
function toJsonFeed11(json: string, doc: FeedDocument): string {
  const feed = JSON.parse(json) as Record<string, unknown>;
  delete feed.author;
  // `version` keeps its place at the top, as the spec asks.
  return JSON.stringify(
    { ...feed, version: 'https://jsonfeed.org/version/1.1', language: doc.language, authors: [{ name: doc.author }] },
    null,
    2,
  );
}

/** Characters XML 1.0 forbids (most C0 controls, U+FFFE/FFFF, lone surrogates) dropped. */
function xmlText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Plain text bound for CDATA: a zero-width space keeps each `]]>` from ending it early. */
function splitCdataEnd(text: string): string {
  return text.replace(/\]\]>/g, ']]\u200B>');
}
