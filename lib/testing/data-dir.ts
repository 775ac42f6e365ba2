import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createBlog } from '@/lib/blogs/blogs';
import { closeControlDb } from '@/lib/db/control';
import { closeTenantPool, openTenant, type TenantHandle } from '@/lib/db/pool';
import { registryLoaded } from '@/lib/registry/registry';

/**
 * A fresh data directory for one test file. Call it at the top of the file, before anything
 * reads the config: every test file runs in its own process, so the setting holds for it.
 */
export function makeTempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-test-'));
  process.env.QUIRE_DATA_DIR = dir;
  // As the server does before taking traffic: on PostgreSQL the registry is read, and follows
  // this process's writes, before the first test (on control.db, nothing to wait for).
  beforeAll(registryLoaded);
  return dir;
}

/**
 * A fresh data directory (see makeTempDataDir) holding one blog, the subject of a test file,
 * created before the file's tests run; once they are done, the databases are closed and the
 * directory removed. Returns the blog's handle, opened from the pool on each call.
 */
export function makeTempBlog(slug: string, title: string): () => TenantHandle {
  const dataDir = makeTempDataDir();
  beforeAll(async () => {
    await createBlog({ slug, title });
  });
  afterAll(async () => {
    closeTenantPool();
    await closeControlDb();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return () => openTenant(slug);
}

/** Every file under `dir`, relative, sorted: to show that a request created nothing. */
export function listTree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

/** A blog's file and its WAL, hashed: to show that a refused request changed nothing. */
export function blogFileHash(dataDir: string, slug: string): string {
  const hash = createHash('sha256');
  for (const suffix of ['', '-wal']) {
    const file = path.join(dataDir, 'tenants', `${slug}.db${suffix}`);
    if (fs.existsSync(file)) hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

let testBlogs = 0;
/** A new blog (through the library) for each test that needs one to itself. */
export async function freshBlog(prefix: string): Promise<TenantHandle> {
  const slug = `${prefix}${++testBlogs}`;
  await createBlog({ slug, title: slug });
  return openTenant(slug);
}
