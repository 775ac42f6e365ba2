import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { createBlog } from '@/lib/blogs/blogs';
import { closeControlDb } from './control';
import { tenantDbPath } from './paths';
import { BlogFileMissingError, TenantPool, closeTenantPool } from './pool';

const dataDir = makeTempDataDir();
for (const slug of ['one', 'two', 'three']) createBlog({ slug, title: slug });
closeTenantPool();

afterAll(() => {
  closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('TenantPool', () => {
  it('evicts the least recently used handle beyond its size, closing it', () => {
    const pool = new TenantPool(2, 60_000);
    const one = pool.get('one');
    pool.get('two');
    pool.get('one'); // "one" is now more recent than "two"
    pool.get('three'); // evicts "two"
    expect(pool.openCount).toBe(2);
    expect(one.sqlite.open).toBe(true);
    const two = pool.get('two'); // reopened, evicting "one"
    expect(one.sqlite.open).toBe(false);
    expect(two.sqlite.open).toBe(true);
    pool.closeAll();
  });

  it('reopens an evicted blog cleanly, with its data and a new identity', () => {
    const pool = new TenantPool(1, 60_000);
    const first = pool.get('one');
    first.sqlite.prepare("insert into settings (key, value) values ('probe', 'kept')").run();
    pool.get('two');
    expect(first.sqlite.open).toBe(false);
    const again = pool.get('one');
    expect(again.openId).not.toBe(first.openId);
    expect(again.sqlite.prepare("select value from settings where key = 'probe'").pluck().get()).toBe('kept');
    pool.closeAll();
  });

  it('closes handles that sat idle', async () => {
    const pool = new TenantPool(10, 1_000);
    const handle = pool.get('one');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(pool.get('two').sqlite.open).toBe(true);
    // The idle handle is gone once the pool looks at it again.
    const reopened = pool.get('one');
    expect(reopened).not.toBe(handle);
    expect(handle.sqlite.open).toBe(false);
    pool.closeAll();
  });

  it('opens with the pragmas every connection uses (docs/architecture.md, "Data")', () => {
    const pool = new TenantPool(2, 60_000);
    const { sqlite } = pool.get('one');
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(sqlite.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    pool.closeAll();
  });

  it('never creates a file for a blog that does not exist', () => {
    const pool = new TenantPool(2, 60_000);
    expect(() => pool.get('ghost')).toThrow(BlogFileMissingError);
    expect(fs.existsSync(tenantDbPath('ghost'))).toBe(false);
    pool.closeAll();
  });

  it('closes every handle on closeAll', () => {
    const pool = new TenantPool(5, 60_000);
    const handles = ['one', 'two', 'three'].map((slug) => pool.get(slug));
    pool.closeAll();
    expect(handles.every((h) => !h.sqlite.open)).toBe(true);
    expect(pool.openCount).toBe(0);
  });
});

describe('TenantPool and other processes', () => {
  it('drops a handle whose file was replaced or removed behind its back', async () => {
    const pool = new TenantPool(5, 60_000);
    const first = pool.get('three');
    const file = tenantDbPath('three');
    const settle = () => new Promise((resolve) => setTimeout(resolve, 300)); // the check's interval
    fs.copyFileSync(file, `${file}.copy`);
    fs.renameSync(`${file}.copy`, file); // a new inode at the same path, as a restore does
    expect(pool.get('three')).toBe(first); // not looked at on every use
    await settle();
    const second = pool.get('three');
    expect(second).not.toBe(first);
    expect(first.sqlite.open).toBe(false);
    fs.renameSync(file, `${file}.moved`);
    await settle();
    expect(() => pool.get('three')).toThrow(BlogFileMissingError);
    fs.renameSync(`${file}.moved`, file);
    pool.closeAll();
  });
});
