import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Sqlite } from './connection';
import { MigrationError, migrate, migrationSet, schemaVersion, type MigrationSet } from './migrate';

const dirs: string[] = [];
function tempDb(): Sqlite {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-migrate-'));
  dirs.push(dir);
  return openDatabase(path.join(dir, 'test.db'), { mustExist: false, cacheKiB: 256 });
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function set(...migrations: string[][]): MigrationSet {
  return { name: 'test', migrations: migrations.map((sql, i) => ({ sql, bps: true, folderMillis: i, hash: `${i}` })) };
}

const parentChild = [
  'CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT)',
  'CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE)',
];
// The table rebuild drizzle-kit generates for SQLite column changes.
const rebuildParent = [
  "CREATE TABLE __new_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '')",
  "INSERT INTO __new_parent (id, name) SELECT id, coalesce(name, '') FROM parent",
  'DROP TABLE parent',
  'ALTER TABLE __new_parent RENAME TO parent',
];

describe('migrate', () => {
  it('applies the generated tenant migrations and records the version', () => {
    const db = tempDb();
    const tenant = migrationSet('tenant');
    expect(migrate(db, tenant)).toEqual({ from: 0, to: tenant.migrations.length });
    expect(schemaVersion(db)).toBe(tenant.migrations.length);
    expect(migrate(db, tenant)).toEqual({ from: tenant.migrations.length, to: tenant.migrations.length });
    db.close();
  });

  it('rebuilds a parent table without cascading deletes into its children', () => {
    const db = tempDb();
    migrate(db, set(parentChild));
    db.exec("INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (10, 1), (11, 1);");
    migrate(db, set(parentChild, rebuildParent));
    expect(db.prepare('SELECT count(*) FROM child').pluck().get()).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1); // switched back on
    db.close();
  });

  it('shows why the trap matters: the same rebuild with foreign keys on loses the rows', () => {
    const db = tempDb();
    migrate(db, set(parentChild));
    db.exec("INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (10, 1);");
    db.transaction(() => rebuildParent.forEach((sql) => db.exec(sql)))();
    expect(db.prepare('SELECT count(*) FROM child').pluck().get()).toBe(0);
    db.close();
  });

  it('rolls back a migration that leaves a foreign key broken, keeping the old version', () => {
    const db = tempDb();
    migrate(db, set(parentChild));
    db.exec("INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (10, 1);");
    const breaking = ['DELETE FROM parent'];
    expect(() => migrate(db, set(parentChild, breaking))).toThrow(MigrationError);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare('SELECT count(*) FROM parent').pluck().get()).toBe(1);
    db.close();
  });

  it('refuses a file from a newer Quire', () => {
    const db = tempDb();
    db.pragma('user_version = 99');
    expect(() => migrate(db, set(parentChild))).toThrow(/newer/);
    db.close();
  });
});

describe('the control migrations', () => {
  it('rebuild the blogs table without losing memberships (the foreign-key trap, for real)', () => {
    const db = tempDb();
    const control = migrationSet('control');
    const rebuild = control.migrations.findIndex((m) => m.sql.some((s) => s.includes('__new_blogs')));
    expect(rebuild).toBeGreaterThan(0);
    migrate(db, { name: 'control', migrations: control.migrations.slice(0, rebuild) });
    db.exec(`insert into blogs (slug, title, status, schema_version, created_at) values ('a', 'A', 'active', 1, 0);
      insert into users (email, password_hash, created_at) values ('u@example.com', 'x', 0);
      insert into memberships (user_id, blog_id, role, created_at) values (1, 1, 'owner', 0);`);
    migrate(db, control);
    expect(db.prepare('select count(*) from memberships').pluck().get()).toBe(1);
    expect(db.prepare('select status, deleted_at from blogs').get()).toEqual({ status: 'active', deleted_at: null });
    expect(() => db.prepare("update blogs set status = 'bogus'").run()).toThrow(/CHECK/);
    db.close();
  });
});

describe('the search migration', () => {
  it('indexes posts that had no body_text yet instead of failing with "database disk image is malformed"', () => {
    const db = tempDb();
    const tenant = migrationSet('tenant');
    const search = tenant.migrations.findIndex((m) => m.sql.some((s) => s.includes('CREATE VIRTUAL TABLE `posts_fts`')));
    expect(search).toBeGreaterThan(0);
    migrate(db, tenant, search);
    // body_text is '' in every post written before 0005 (it arrived with 0004, empty).
    db.exec("insert into posts (slug, title, markdown, created_at, updated_at) values ('p', 'Old post', 'lighthouse', 0, 0)");
    migrate(db, tenant);
    expect(db.prepare('select body_text from posts').pluck().get()).toBe('lighthouse');
    expect(db.prepare("select rowid from posts_fts where posts_fts match 'lighthouse'").pluck().all()).toEqual([1]);
    expect(() => db.exec("insert into posts_fts (posts_fts, rank) values ('integrity-check', 1)")).not.toThrow();
    db.close();
  });
});

describe('the media migration', () => {
  it('adds images’ sizes, their copies and post covers without rebuilding posts, whose search triggers keep working', () => {
    const db = tempDb();
    const tenant = migrationSet('tenant');
    const media = tenant.migrations.findIndex((m) => m.sql.some((s) => s.includes('CREATE TABLE `media_variants`')));
    expect(media).toBeGreaterThan(0);
    expect(tenant.migrations[media]!.sql.join('\n')).not.toMatch(/__new_posts|DROP TABLE/i);
    migrate(db, { name: 'tenant', migrations: tenant.migrations.slice(0, media) });
    db.exec(`insert into posts (slug, title, markdown, body_text, created_at, updated_at) values ('p', 'Old post', 'x', 'lighthouse', 0, 0);
      insert into media (filename, mime, size, bytes, created_at) values ('old.png', 'image/png', 1, x'00', 0);`);
    migrate(db, tenant);

    expect(db.prepare('select width, height, sha256 from media').get()).toEqual({ width: null, height: null, sha256: null });
    db.prepare("update posts set cover_media_id = 1, body_text = 'harbour' where slug = 'p'").run();
    expect(db.prepare("select rowid from posts_fts where posts_fts match 'harbour'").pluck().all()).toEqual([1]);
    expect(db.prepare("select rowid from posts_fts where posts_fts match 'lighthouse'").pluck().all()).toEqual([]);
    db.prepare("insert into media_variants (media_id, width, mime, bytes, size) values (1, 640, 'image/webp', x'00', 1)").run();
    // Deleting an image takes its copies with it and leaves its posts without a cover.
    db.prepare('delete from media where id = 1').run();
    expect(db.prepare('select cover_media_id from posts').pluck().get()).toBeNull();
    expect(db.prepare('select count(*) from media_variants').pluck().get()).toBe(0);
    expect(db.prepare("select value from quire_about where key = 'table:media_variants'").pluck().get()).toMatch(/smaller copies/i);
    db.close();
  });
});

describe('the media descriptions migration', () => {
  it('gives every image an empty description (an ADD, never a rebuild of media) and explains the column in quire_about', () => {
    const db = tempDb();
    const tenant = migrationSet('tenant');
    const descriptions = tenant.migrations.findIndex((m) => m.sql.some((s) => s.includes('ADD `alt`')));
    expect(descriptions).toBeGreaterThan(0);
    expect(tenant.migrations[descriptions]!.sql.join('\n')).not.toMatch(/__new_media|DROP TABLE/i);
    migrate(db, { name: 'tenant', migrations: tenant.migrations.slice(0, descriptions) });
    db.exec(`insert into media (filename, mime, size, bytes, created_at) values ('old.png', 'image/png', 1, x'00', 0);
      insert into media_variants (media_id, width, mime, bytes, size) values (1, 640, 'image/webp', x'00', 1);`);
    migrate(db, tenant);

    expect(db.prepare('select filename, alt from media').all()).toEqual([{ filename: 'old.png', alt: '' }]);
    expect(db.prepare('select count(*) from media_variants').pluck().get()).toBe(1);
    expect(() => db.prepare('update media set alt = null').run()).toThrow(/NOT NULL/);
    expect(db.prepare("select value from quire_about where key = 'table:media'").pluck().get()).toMatch(/alt is the author's description/);
    db.close();
  });
});
