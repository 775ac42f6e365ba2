import { z } from 'zod';
import { MEDIA_ALT_MAX } from '@/lib/input/lengths';

/**
 * An image's description (its alt text, WCAG 1.1.1): the contract shared by the server, the
 * editor's prompt, the media library's form and imports. No server imports: the dashboard's
 * client components use it too.
 */

/** One line of text: Markdown's image syntax and `alt` attributes hold no paragraphs. */
function normalizeAlt(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export const mediaAltSchema = z
  .string({ error: 'A description is text.' })
  .transform(normalizeAlt)
  .pipe(z.string().max(MEDIA_ALT_MAX, `A description is at most ${MEDIA_ALT_MAX} characters.`));

/** What the editor puts in Markdown until the author describes an image: its file name, without extension. */
export function altFromFilename(filename: string): string {
  return filename.replace(/\.[^.]+$/, '').replace(/[[\]]/g, '');
}

/**
 * `text` written so that Markdown shows it as it is in `![…]`: a backslash before every
 * character markdown-it would read as syntax there (brackets, emphasis, code, HTML, entities,
 * a table cell's `|`). CommonMark lets any ASCII punctuation be escaped so.
 */
export function markdownAlt(text: string): string {
  return normalizeAlt(text).replace(/[\\[\]*_`<>&~|]/g, '\\$&');
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `markdown` with the alt text of every image whose address is `path` (as inserted:
 * `/media/<id>/<name>`) replaced by `description`. Other images, and links, are left alone.
 */
export function withImageAlt(markdown: string, path: string, description: string): string {
  const image = new RegExp(`!\\[(?:\\\\[\\s\\S]|[^\\\\[\\]])*\\]\\((\\s*)${escapeRegExp(path)}(?=[\\s)])`, 'g');
  const alt = markdownAlt(description);
  return markdown.replace(image, (_match, space: string) => `![${alt}](${space}${path}`);
}
