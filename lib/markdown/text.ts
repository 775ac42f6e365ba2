/**
 * Small text helpers with no dependencies, apart from the Markdown pipeline (./render.ts) so that
 * code needing only these (the front, through posts and the sitemap) does not load markdown-it,
 * highlight.js and sanitize-html.
 */

/** Text for HTML built by hand (not by React, which escapes by itself). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const WORDS_PER_MINUTE = 230;

export function readingMinutes(text: string): number {
  const words = text.split(/\s+/).filter(Boolean).length;
  return Math.max(1, Math.round(words / WORDS_PER_MINUTE));
}
