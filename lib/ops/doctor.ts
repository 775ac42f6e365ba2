import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { blogIdsPlacedHere } from '@/lib/cluster/placement';
import { controlDb } from '@/lib/db/control';
import { scratchDir, tenantDbPath, tenantsDir, trashDir, trashedDbPath } from '@/lib/db/paths';
import { blogs } from '@/lib/db/schema/control';

type Finding = { slug?: string; file?: string; problem: string };

export type DoctorReport = { checked: number; findings: Finding[] };

/**
 * `quire doctor`: checks every blog file (quick_check, or integrity_check with `full`), and
 * that control.db and the files agree: no blog without its file, no file without its blog.
 */
export async function runDoctor(
  options: { full?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const all = await controlDb().orm.select().from(blogs).all();
  // In a cluster, this node's blogs are checked; files of blogs placed elsewhere are not orphans.
  const here = await blogIdsPlacedHere();
  const rows = here ? all.filter((blog) => here.has(blog.id)) : all;
  const known = new Set(all.map((blog) => blog.slug));
  let checked = 0;

  rows.forEach((blog, index) => {
    options.onProgress?.(index + 1, rows.length);
    if (blog.status === 'deleted') {
      if (!fs.existsSync(trashedDbPath(blog.slug))) findings.push({ slug: blog.slug, problem: 'deleted blog has no file in the trash' });
      return;
    }
    const file = tenantDbPath(blog.slug);
    if (!fs.existsSync(file)) return findings.push({ slug: blog.slug, problem: 'blog in control.db has no file' });
    if (blog.status === 'maintenance')
      findings.push({ slug: blog.slug, problem: `under maintenance: ${blog.statusReason ?? 'no reason recorded'}` });
    try {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        const rows = db.pragma(options.full ? 'integrity_check(10)' : 'quick_check(10)') as Record<string, string>[];
        const messages = rows.map((row) => Object.values(row)[0]);
        if (messages.length !== 1 || messages[0] !== 'ok') findings.push({ slug: blog.slug, problem: `damaged: ${messages.join('; ')}` });
      } finally {
        db.close();
      }
      checked++;
    } catch (error) {
      findings.push({ slug: blog.slug, problem: `cannot be read: ${(error as Error).message}` });
    }
  });

  for (const name of fs.existsSync(tenantsDir()) ? fs.readdirSync(tenantsDir()) : []) {
    if (name.endsWith('.db') && !known.has(name.slice(0, -3))) {
      findings.push({ file: path.join('tenants', name), problem: 'file has no blog in control.db (orphaned)' });
    }
  }
  for (const name of fs.existsSync(trashDir()) ? fs.readdirSync(trashDir()) : []) {
    if (name.endsWith('.db') && !known.has(name.slice(0, -3)))
      findings.push({ file: path.join('trash', name), problem: 'trash file with no blog in control.db' });
  }
  const scratch = scratchDir();
  for (const name of fs.existsSync(scratch) ? fs.readdirSync(scratch) : []) {
    if (Date.now() - fs.statSync(path.join(scratch, name)).mtimeMs > 60 * 60 * 1000) {
      findings.push({ file: path.join('tmp', name), problem: 'leftover scratch file older than an hour (safe to delete)' });
    }
  }
  return { checked, findings };
}
