import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Sqlite } from '@/lib/db/connection';
import { migrate, migrationSet } from '@/lib/db/migrate';

const dirs: string[] = [];
function tempDb(): Sqlite {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-domains-migrate-'));
  dirs.push(dir);
  return openDatabase(path.join(dir, 'control.db'), { mustExist: false, cacheKiB: 256 });
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const insertClaim = (db: Sqlite, domain: string, blogId: number, verifiedAt: number | null) =>
  db
    .prepare('insert into blog_domains (domain, blog_id, token, verified_at, is_primary, created_at) values (?, ?, ?, ?, ?, ?)')
    .run(domain, blogId, `t-${domain}-${blogId}`, verifiedAt, verifiedAt ? 1 : 0, 5);

describe('the custom-domain claims migration', () => {
  it('rebuilds blog_domains keeping every row, then allows side-by-side claims but one verified blog per name', () => {
    const db = tempDb();
    const control = migrationSet('control');
    const claims = control.migrations.findIndex((m) => m.sql.some((s) => s.includes('__new_blog_domains')));
    expect(claims).toBeGreaterThan(0);
    migrate(db, { name: 'control', migrations: control.migrations.slice(0, claims) });
    db.exec(
      `insert into blogs (slug, title, status, schema_version, created_at) values ('a', 'A', 'active', 1, 0), ('b', 'B', 'active', 1, 0);`,
    );
    insertClaim(db, 'verified.example.org', 1, 1234);
    insertClaim(db, 'pending.example.org', 2, null);
    const before = db.prepare('select * from blog_domains order by domain').all();
    expect(before).toHaveLength(2);

    migrate(db, control);
    expect(db.prepare('select * from blog_domains order by domain').all()).toEqual(before);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

    // Another blog may claim a name that is only claimed…
    expect(() => insertClaim(db, 'pending.example.org', 1, null)).not.toThrow();
    // …but not the same blog twice, and a name is verified for one blog at most.
    expect(() => insertClaim(db, 'pending.example.org', 1, null)).toThrow(/UNIQUE/);
    expect(() => insertClaim(db, 'verified.example.org', 2, 99)).toThrow(/UNIQUE/);
    expect(() => db.prepare("update blog_domains set verified_at = 7 where domain = 'pending.example.org'").run()).toThrow(/UNIQUE/);
    expect(() =>
      db.prepare("update blog_domains set verified_at = 7 where domain = 'pending.example.org' and blog_id = 2").run(),
    ).not.toThrow();
    // The blog's rows still go with it.
    db.pragma('foreign_keys = ON');
    db.prepare('delete from blogs where id = 1').run();
    expect(db.prepare('select domain, blog_id from blog_domains').all()).toEqual([{ domain: 'pending.example.org', blog_id: 2 }]);
    db.close();
  });
});
