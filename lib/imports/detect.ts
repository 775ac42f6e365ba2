import fs from 'node:fs';
import { config } from '@/lib/config';
import { InputError } from '@/lib/input';
import { openArchive } from '@/lib/uploads/archive';
import { openGhost, openGhostArchive } from './ghost';
import { openMarkdownFolder } from './markdown-folder';
import type { ImportSource } from './source';
import { openSubstack } from './substack';
import { openWordPress } from './wordpress';

/**
 * Which platform an upload comes from, told by its content (never by its name), and its reader:
 * XML is a WordPress export, JSON a Ghost one; a zip holding `posts.csv` is Substack's, one
 * holding a Ghost JSON (and its images) Ghost's, one of Markdown files a static site's.
 */
export async function openSource(file: string, deadlineAt: number): Promise<ImportSource> {
  const head = readHead(file);
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return openZip(file, deadlineAt);
  if (head.subarray(0, 16).equals(Buffer.from('SQLite format 3\0', 'latin1')))
    throw new InputError('This is a Quire blog file: import it with “Import a Quire blog” instead.');
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('<')) return openWordPress(file, deadlineAt);
  if (text.startsWith('{') || text.startsWith('[')) return openGhost(file, deadlineAt);
  throw new InputError(
    'This file is not an export Quire can read: a WordPress export (.xml), a Ghost export (.json or .zip), a Substack export (.zip) or a zip of Markdown files.',
  );
}

async function openZip(file: string, deadlineAt: number): Promise<ImportSource> {
  const archive = await openArchive(file, config().importMaxBytes);
  try {
    const names = archive.files.map((f) => f.name);
    const top = (name: string) => name.split('/').length <= 2;
    if (names.some((n) => top(n) && /(^|\/)posts\.csv$/.test(n))) return await openSubstack(archive, deadlineAt);
    if (names.some((n) => n === 'quire.yaml'))
      throw new InputError('This is a Quire Markdown export: import it with “Import a Quire blog” instead.');
    const markdown = names.some((n) => /\.(md|markdown|mdx)$/i.test(n));
    const json = names.filter((n) => top(n) && /\.json$/i.test(n) && !/package(-lock)?\.json$|tsconfig\.json$/i.test(n));
    if (json.length > 0 && !markdown) return await openGhostArchive(archive, json[0]!, deadlineAt);
    if (markdown) return await openMarkdownFolder(archive, deadlineAt);
    throw new InputError('This zip file holds no posts Quire can read: no posts.csv (Substack), Ghost export or Markdown files.');
  } catch (error) {
    archive.close();
    throw error;
  }
}

function readHead(file: string): Buffer {
  const head = Buffer.alloc(512);
  const fd = fs.openSync(file, 'r');
  try {
    return head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
  } finally {
    fs.closeSync(fd);
  }
}
