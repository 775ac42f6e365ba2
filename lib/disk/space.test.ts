import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { blob, integer, sqliteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReply, isOutOfDiskSpace } from '@/lib/http/errors';
import { fillDisk, mountTmpfs, type Tmpfs } from '@/lib/testing/tmpfs';
import { describeFailure, reviveFailure } from '@/lib/workers/errors';
import { LOW_ON_DISK_SPACE, LowDiskSpaceError, assertSpaceForBigWrites, diskSpace } from './space';

/** On a real 4 MB tmpfs: what statfs says, the margin, and what a full disk throws. */
const MiB = 1024 * 1024;
let disk: Tmpfs;
let now = Date.now();
/** diskSpace measures at most once a second: each check asks as if a second had passed. */
const measured = () => diskSpace((now += 1001));

beforeAll(() => {
  disk = mountTmpfs(4);
  process.env.QUIRE_DATA_DIR = path.join(disk.dir, 'data'); // not created yet: its parent is measured
  process.env.QUIRE_MIN_FREE_MB = '1';
});

afterAll(() => disk?.unmount());

describe('free space in the data directory', () => {
  it('is measured, and low below QUIRE_MIN_FREE_MB, refusing big writes with one sentence', () => {
    const roomy = measured();
    expect(roomy).toMatchObject({ totalBytes: 4 * MiB, minFreeBytes: MiB, low: false });
    expect(roomy.freeBytes).toBeGreaterThan(3.9 * MiB);
    expect(() => assertSpaceForBigWrites()).not.toThrow();

    const filler = path.join(disk.dir, 'filler');
    fillDisk(filler, 3.5 * MiB);
    const low = measured();
    expect(low.low).toBe(true);
    expect(low.freeBytes).toBeLessThan(MiB);
    let refusal: unknown;
    try {
      assertSpaceForBigWrites();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(LowDiskSpaceError);
    expect(refusal).toMatchObject({ status: 507, message: LOW_ON_DISK_SPACE });
    expect((refusal as LowDiskSpaceError).detail).toMatch(/^0\.\d MB free in .*\/data; QUIRE_MIN_FREE_MB is 1$/);
    expect(errorReply(refusal)).toEqual({ status: 507, message: LOW_ON_DISK_SPACE });

    fs.rmSync(filler);
    expect(measured().low).toBe(false);
    expect(() => assertSpaceForBigWrites()).not.toThrow();
  });
});

describe('a write the disk has no room for', () => {
  it('is told apart from other failures, from SQLite, drizzle, the file system and a worker thread', () => {
    const db = new Database(path.join(disk.dir, 'blog.db'));
    db.pragma('journal_mode = WAL');
    db.exec('create table t (id integer primary key, body blob)');
    const filler = path.join(disk.dir, 'filler');
    fillDisk(filler);
    try {
      const sqliteError = catchError(() => db.prepare('insert into t (body) values (?)').run(Buffer.alloc(256 * 1024)));
      expect(sqliteError).toMatchObject({ code: 'SQLITE_FULL' });
      expect(isOutOfDiskSpace(sqliteError)).toBe(true);

      const t = sqliteTable('t', { id: integer('id').primaryKey(), body: blob('body') });
      const drizzleError = catchError(() =>
        drizzle({ client: db })
          .insert(t)
          .values({ body: Buffer.alloc(256 * 1024) })
          .run(),
      );
      expect(isOutOfDiskSpace(drizzleError)).toBe(true);

      const fsError = catchError(() => fs.writeFileSync(path.join(disk.dir, 'upload.bin'), Buffer.alloc(64 * 1024)));
      expect(fsError).toMatchObject({ code: 'ENOSPC' });
      expect(isOutOfDiskSpace(fsError)).toBe(true);

      // Errors cross from the worker pool's threads as data.
      expect(isOutOfDiskSpace(reviveFailure(structuredClone(describeFailure(sqliteError))))).toBe(true);

      expect(errorReply(sqliteError, 'your post')).toEqual({
        status: 507,
        message: 'The server is out of disk space; your post was not saved.',
      });
      expect(errorReply(fsError)).toEqual({ status: 507, message: 'The server is out of disk space; this change was not saved.' });
      expect(isOutOfDiskSpace(new Error('SQLITE_FULL in a message alone is not a code'))).toBe(false);
      expect(errorReply(new Error('boom'))).toEqual({ status: 500, message: 'Something went wrong on the server. Please try again.' });
    } finally {
      fs.rmSync(filler);
      fs.rmSync(path.join(disk.dir, 'upload.bin'), { force: true });
    }
    // Nothing half-written: with room again the file is whole and takes the write.
    db.prepare('insert into t (body) values (?)').run(Buffer.alloc(256 * 1024));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('select count(*) from t').pluck().get()).toBe(1);
    db.close();
  });
});

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}
