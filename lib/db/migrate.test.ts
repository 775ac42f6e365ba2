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
  'CREATE TABLE __new_parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT \'\')',
  'INSERT INTO __new_parent (id, name) SELECT id, coalesce(name, \'\') FROM parent',
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
