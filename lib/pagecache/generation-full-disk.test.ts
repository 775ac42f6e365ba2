import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBlog } from '@/lib/blogs/blogs';
import { closeControlDb } from '@/lib/db/control';
import { controlDbPath } from '@/lib/db/paths';
import { closeTenantPool } from '@/lib/db/pool';
import { fillDisk, mountTmpfs, type Tmpfs } from '@/lib/testing/tmpfs';
import { bumpGeneration, pageGeneration } from './generation';

/**
 * A bump that control.db has no room for comes after a committed write: it must not fail that
 * write, and no page cached before it may be answered until it is written (docs/architecture.md,
 * "A full disk"). On a real 4 MB tmpfs.
 */
let disk: Tmpfs;

beforeAll(async () => {
  disk = mountTmpfs(4);
  process.env.QUIRE_DATA_DIR = disk.dir;
  await createBlog({ slug: 'alice', title: 'Alice' });
});

afterAll(async () => {
  closeTenantPool();
  await closeControlDb();
  disk?.unmount();
});

const storedGeneration = () => {
  const db = new Database(controlDbPath(), { readonly: true });
  try {
    return db.prepare("select generation from blogs where slug = 'alice'").pluck().get() as number;
  } finally {
    db.close();
  }
};

// control.db's own disk: with the control plane on PostgreSQL there is no such file; a bump the
// server cannot take is tested in lib/db/control-postgres.test.ts.
it.skipIf(Boolean(process.env.QUIRE_CONTROL_DATABASE_URL))(
  'is owed, not thrown, on a full disk: the keys carry a mark until it is written',
  () => {
    const now = Date.now();
    const before = pageGeneration('alice', now)!;
    const generation = storedGeneration();
    const filler = path.join(disk.dir, 'filler');
    fillDisk(filler);

    expect(() => bumpGeneration('alice')).not.toThrow();
    const owed = pageGeneration('alice', now)!;
    expect(owed).toMatch(/^\d+\.\d+\.[0-9a-f]{12}$/);
    expect(owed.startsWith(`${before}.`)).toBe(false);
    // Retried at most once a second, and still no room: the same mark.
    expect(pageGeneration('alice', now + 1001)).toBe(owed);
    expect(storedGeneration()).toBe(generation);

    fs.rmSync(filler);
    const written = pageGeneration('alice', now + 2002)!;
    expect(storedGeneration()).toBe(generation + 1);
    expect(written).toMatch(new RegExp(`^${generation + 1}\\.\\d+$`));
    expect(pageGeneration('alice', now + 3003)).toBe(written);
  },
);
