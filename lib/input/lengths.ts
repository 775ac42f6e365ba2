/**
 * How long each thing a person types may be: one definition for the server's checks (zod), the
 * forms' `maxLength`, and the checks on imported files. Plain constants, so browser code can
 * import them. Generous for writing, bounded for the server (README, "Limits").
 */

/** A blog address is a DNS label. */
export const BLOG_SLUG_MAX = 63;
export const BLOG_TITLE_MAX = 120;
export const BLOG_DESCRIPTION_MAX = 500;
export const AUTHOR_NAME_MAX = 100;

export const POST_TITLE_MAX = 200;
export const POST_SLUG_MAX = 100;
export const POST_MARKDOWN_MAX = 200_000;
export const POST_EXCERPT_MAX = 500;
export const TAGS_MAX = 20;
export const TAG_MAX = 40;
/** The tags field as typed, comma-separated. */
export const TAGS_TEXT_MAX = 2_000;

/** An image's description (its alt text): enough for a chart's summary; alt text is read aloud whole. */
export const MEDIA_ALT_MAX = 500;

/** A host name (RFC 1035); what is typed may be a pasted URL, trimmed to its host. */
export const DOMAIN_NAME_MAX = 253;
export const DOMAIN_TYPED_MAX = 300;
