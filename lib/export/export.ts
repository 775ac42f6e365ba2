import fs from 'node:fs';
import { Readable } from 'node:stream';
import { config } from '@/lib/config';
import type { Blog } from '@/lib/db/schema/control';
import { conflict } from '@/lib/http/errors';
import { processWide } from '@/lib/process/shared';
import { snapshotBlog } from '@/lib/db/snapshot';
import { asLowDiskSpace } from '@/lib/disk/space';
import { runTask } from '@/lib/workers/pool';
import { TASK } from '@/lib/workers/task-names';
import { removeQuietly, scratchFile } from '@/lib/db/paths';

const running = () => processWide('exports-running', () => new Set<string>());

export type BlogDownload = { stream: ReadableStream<Uint8Array>; size: number; filename: string };

const day = (now: Date) => now.toISOString().slice(0, 10);

/**
 * The one-click export: a snapshot in a scratch file, streamed from disk (memory stays flat
 * however big the blog) and deleted once the download ends or is abandoned. One export at a
 * time per blog.
 */
export function exportBlogFile(blog: Blog, now = new Date()): Promise<BlogDownload> {
  return oneExportAtATime(blog, `${blog.slug}-${day(now)}.db`, async (snapshot) => snapshot);
}

/**
 * The blog as Markdown files in a zip (lib/export/markdown.ts), built from a snapshot on the
 * worker pool's bulk lane — never on the serving thread, never from the live file — into a
 * scratch file that is then streamed like the blog file.
 */
export function exportMarkdownZip(blog: Blog, now = new Date()): Promise<BlogDownload> {
  return oneExportAtATime(blog, `${blog.slug}-${day(now)}-markdown.zip`, async (snapshot, scratch) => {
    const zip = scratch('.zip');
    await runTask<void>(
      TASK.exportMarkdown,
      { source: snapshot, dest: zip, slug: blog.slug, now: now.toISOString() },
      {
        lane: 'bulk',
        deadlineMs: config().bulkTimeoutMs,
        tooLong: 'Making this export took too long. Try the blog-file export instead.',
      },
    );
    return zip;
  });
}

/**
 * Takes a snapshot, lets `make` turn it into the file to download, and streams that file;
 * every scratch file goes when the download ends, is abandoned, or fails.
 */
async function oneExportAtATime(
  blog: Blog,
  filename: string,
  make: (snapshot: string, scratch: (extension: string) => string) => Promise<string>,
): Promise<BlogDownload> {
  if (running().has(blog.slug)) throw conflict('An export of this blog is already running. Try again when it has finished.');
  running().add(blog.slug);
  const files: string[] = [];
  const scratch = (extension: string) => {
    const file = scratchFile(`export-${blog.slug}`, extension);
    files.push(file);
    return file;
  };
  const cleanUp = () => {
    for (const file of files) removeQuietly(file);
    running().delete(blog.slug);
  };
  try {
    const snapshot = scratch('.db');
    await snapshotBlog(blog.slug, snapshot);
    const download = await make(snapshot, scratch);
    const size = fs.statSync(download).size;
    const node = fs.createReadStream(download);
    node.once('close', cleanUp);
    return { stream: Readable.toWeb(node) as ReadableStream<Uint8Array>, size, filename };
  } catch (error) {
    cleanUp();
    throw asLowDiskSpace(error);
  }
}
