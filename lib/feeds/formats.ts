/** The three feed formats a blog and each of its tags offer, and where they are. */
export const FEED_FORMATS = {
  rss: { file: 'feed.xml', contentType: 'application/rss+xml', label: 'RSS' },
  atom: { file: 'atom.xml', contentType: 'application/atom+xml', label: 'Atom' },
  json: { file: 'feed.json', contentType: 'application/feed+json', label: 'JSON Feed' },
} as const;

export type FeedFormat = keyof typeof FEED_FORMATS;

export const feedFormats = Object.keys(FEED_FORMATS) as FeedFormat[];

/** `/feed.xml` for the blog, `/tag/<slug>/feed.xml` for a tag (`listPath` is the tag's page). */
export function feedPath(format: FeedFormat, listPath = ''): string {
  return `${listPath}/${FEED_FORMATS[format].file}`;
}
