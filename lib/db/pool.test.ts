import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { createBlog } from '@/lib/blogs/blogs';
import { closeControlDb } from './control';
import { tenantDbPath } from './paths';
import { BlogBusyError, BlogFileMissingError, MOVING_FILE_GRACE_MS, TenantPool, closeTenantPool, type TenantHandle } from './pool';

const dataDir = makeTempDataDir();
beforeAll(async () => {
  for (const slug of ['one', 'two', 'three', 'four', 'five']) await createBlog({ slug, title: slug });
  closeTenantPool();
});

/** Lets the current turn of the event loop end (synchronous use outside a loan ends with it). */
const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const title = (handle: TenantHandle) => handle.sqlite.prepare("select value from settings where key = 'title'").pluck().get();

afterAll(async () => {
  await closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('TenantPool', () => {
  it('evicts the least recently used handle beyond its size, closing it', async () => {
    const pool = new TenantPool(2, 60_000);
    const one = pool.get('one');
    pool.get('two');
    pool.get('one'); // "one" is now more recent than "two"
    pool.get('three'); // evicts "two"
    await endOfTurn();
    expect(pool.openCount).toBe(2);
    expect(one.sqlite.open).toBe(true);
    const two = pool.get('two'); // reopened, evicting "one"
    await endOfTurn();
    expect(one.sqlite.open).toBe(false);
    expect(two.sqlite.open).toBe(true);
    pool.closeAll();
  });

  it('reopens an evicted blog cleanly, with its data and a new identity', async () => {
    const pool = new TenantPool(1, 60_000);
    const first = pool.get('one');
    first.sqlite.prepare("insert into settings (key, value) values ('probe', 'kept')").run();
    pool.get('two');
    await endOfTurn();
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

describe('TenantPool never closes a handle in use', () => {
  it('keeps a borrowed handle open while more blogs than it holds are opened, then closes it', async () => {
    const pool = new TenantPool(2, 60_000);
    let first: TenantHandle | undefined;
    await pool.borrowing(async () => {
      first = pool.get('one');
      // Meanwhile other requests (each its own borrower) open more blogs than the pool holds.
      const others = await Promise.all(
        ['two', 'three', 'four', 'five'].map((slug) =>
          pool.borrowing(async () => {
            await sleep(5);
            return title(pool.get(slug));
          }),
        ),
      );
      expect(others).toEqual(['two', 'three', 'four', 'five']);
      await sleep(10);
      expect(first.sqlite.open).toBe(true);
      expect(title(first)).toBe('one');
    });
    // Its borrower is done: the retired handle is closed, nothing beyond the pool stays open.
    expect(first!.sqlite.open).toBe(false);
    await endOfTurn();
    expect(pool.openCount).toBe(2);
    pool.closeAll();
  });

  it('closes a handle both a request and its response used only when the response has closed', async () => {
    const pool = new TenantPool(1, 60_000);
    const response = new EventEmitter();
    let handle: TenantHandle | undefined;
    await pool.borrowing(() => {
      handle = pool.get('one');
    }, response);
    pool.get('two'); // evicts "one", still borrowed until the response closes
    await endOfTurn();
    expect(handle!.sqlite.open).toBe(true);
    expect(pool.openCount).toBe(2);
    response.emit('close');
    expect(handle!.sqlite.open).toBe(false);
    expect(pool.openCount).toBe(1);
    pool.closeAll();
  });

  it('lets synchronous use outside any borrower finish its turn', async () => {
    const pool = new TenantPool(1, 60_000);
    const one = pool.get('one');
    pool.get('two');
    pool.get('three');
    expect(title(one)).toBe('one');
    await endOfTurn();
    expect(one.sqlite.open).toBe(false);
    expect(pool.openCount).toBe(1);
    pool.closeAll();
  });

  it('gives a borrower MOVING_FILE_GRACE_MS when the blog is closed for a move', async () => {
    const pool = new TenantPool(5, 60_000);
    let handle: TenantHandle | undefined;
    const borrower = pool.borrowing(async () => {
      handle = pool.get('one');
      await sleep(MOVING_FILE_GRACE_MS * 4);
    });
    await sleep(5);
    pool.close('one');
    expect(handle!.sqlite.open).toBe(true);
    expect(pool.openSlugs()).toContain('one');
    await sleep(MOVING_FILE_GRACE_MS + 100);
    expect(handle!.sqlite.open).toBe(false);
    await borrower;
    pool.closeAll();
  });

  it("refuses to release a blog another borrower uses, and releases one only the caller's request uses", async () => {
    const pool = new TenantPool(5, 60_000);
    let release: () => void = () => {};
    let other: TenantHandle | undefined;
    const reader = pool.borrowing(async () => {
      other = pool.get('one');
      await new Promise<void>((resolve) => (release = resolve));
    });
    await sleep(5);
    await pool.borrowing(() => {
      const mine = pool.get('one');
      expect(mine).toBe(other);
      expect(() => pool.release('one')).toThrow(BlogBusyError);
    });
    expect(other!.sqlite.open).toBe(true);
    release();
    await reader;
    await pool.borrowing(() => {
      const mine = pool.get('one');
      pool.release('one');
      expect(mine.sqlite.open).toBe(false);
    });
    expect(pool.openCount).toBe(0);
    pool.closeAll();
  });

  it('closes borrowed and retired handles alike on closeAll', async () => {
    const pool = new TenantPool(1, 60_000);
    const handles: TenantHandle[] = [];
    let release: () => void = () => {};
    const borrower = pool.borrowing(async () => {
      handles.push(pool.get('one'), pool.get('two'));
      await new Promise<void>((resolve) => (release = resolve));
    });
    await sleep(5);
    expect(pool.openCount).toBe(2);
    pool.closeAll();
    expect(handles.every((h) => !h.sqlite.open)).toBe(true);
    expect(pool.openCount).toBe(0);
    release();
    await borrower;
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
