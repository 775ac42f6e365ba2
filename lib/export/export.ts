import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { Blog } from '@/lib/db/schema/control';
import { conflict } from '@/lib/http/errors';
import { processWide } from '@/lib/process/shared';
import { snapshotBlog } from '@/lib/snapshots/snapshots';
import { removeQuietly, scratchFile } from './paths';

const running = () => processWide('exports-running', () => new Set<string>());

export type BlogDownload = { stream: ReadableStream<Uint8Array>; size: number; filename: string };

/**
 * The one-click export: a snapshot in a scratch file, streamed from disk (memory stays flat
 * however big the blog) and deleted once the download ends or is abandoned. One at a time
 * per blog.
 */
export async function exportBlogFile(blog: Blog, now = new Date()): Promise<BlogDownload> {
  if (running().has(blog.slug)) throw conflict('An export of this blog is already running. Try again when it has finished.');
  running().add(blog.slug);
  const file = scratchFile(`export-${blog.slug}`, '.db');
  try {
    await snapshotBlog(blog.slug, file);
    const size = fs.statSync(file).size;
    const node = fs.createReadStream(file);
    node.once('close', () => {
      removeQuietly(file);
      running().delete(blog.slug);
    });
    return { stream: Readable.toWeb(node) as ReadableStream<Uint8Array>, size, filename: `${blog.slug}-${now.toISOString().slice(0, 10)}.db` };
  } catch (error) {
    removeQuietly(file);
    running().delete(blog.slug);
    throw error;
  }
}
