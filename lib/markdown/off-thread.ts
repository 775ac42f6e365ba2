import { config } from '@/lib/config';
import { runTask } from '@/lib/workers/pool';
import { TASK } from '@/lib/workers/task-names';
import type { ImageLookup, KnownImage } from './render';

/** A post or page as it is stored: sanitized HTML, its plain text and an excerpt of it. */
export type RenderedMarkdown = { html: string; text: string; excerpt: string };

/** The blog's own images by address (`/media/<id>/<name>`), as lib/media tells the renderer of them. */
export type ImageTable = Record<string, KnownImage>;

/** The renderer's question ("is this one of ours?") answered from a table. */
export function lookupIn(table: ImageTable): ImageLookup {
  return (src) => (Object.hasOwn(table, src) ? table[src] : undefined);
}

const TOO_LONG =
  'This text took too long to format, so it was not saved. Simplify its formatting (very long runs of symbols, deep nesting) and try again.';

/**
 * Markdown → stored HTML, off the thread that serves every blog (lib/workers), under the render
 * deadline. `images` are the blog's own images the text mentions (lib/media's table).
 */
export function renderMarkdownOffThread(markdown: string, images: ImageTable, tooLong = TOO_LONG): Promise<RenderedMarkdown> {
  return runTask<RenderedMarkdown>(
    TASK.renderMarkdown,
    { markdown, images },
    { lane: 'render', deadlineMs: config().renderTimeoutMs, tooLong },
  );
}

/** A reader's comment → safe HTML, off the serving thread, under the same deadline. */
export function renderCommentOffThread(body: string): Promise<string> {
  return runTask<string>(
    TASK.renderComment,
    { body },
    {
      lane: 'render',
      deadlineMs: config().renderTimeoutMs,
      tooLong: 'This comment took too long to format. Please simplify it and send it again.',
    },
  );
}
