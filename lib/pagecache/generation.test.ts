import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createBlog } from '@/lib/blogs/blogs';
import { closeControlDb } from '@/lib/db/control';
import { tenantDbPath } from '@/lib/db/paths';
import { closeTenantPool, openTenant, tenantPool } from '@/lib/db/pool';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { bumpGeneration, currentGeneration } from './generation';

const dataDir = makeTempDataDir();
createBlog({ slug: 'alice', title: 'Alice' });

afterAll(() => {
  closeTenantPool();
  closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('page-cache generation', () => {
  it('stays put while nothing changes', () => {
    const handle = openTenant('alice');
    const g = currentGeneration(handle);
    expect(currentGeneration(handle)).toBe(g);
  });

  it('moves on an explicit bump (a write made in this process)', () => {
    const handle = openTenant('alice');
    const g = currentGeneration(handle);
    bumpGeneration('alice');
    expect(currentGeneration(handle)).toBe(g + 1);
  });

  it('moves when another connection commits to the file (the CLI)', () => {
    const handle = openTenant('alice');
    const g = currentGeneration(handle);
    const other = new Database(tenantDbPath('alice'));
    other.prepare("insert into settings (key, value) values ('x', 'y')").run();
    other.close();
    expect(currentGeneration(handle)).toBeGreaterThan(g);
  });

  it("does not move on this connection's own writes alone", () => {
    const handle = openTenant('alice');
    const g = currentGeneration(handle);
    handle.sqlite.prepare("insert or replace into settings (key, value) values ('own', '1')").run();
    expect(currentGeneration(handle)).toBe(g);
  });

  it('moves when the handle was closed and reopened', () => {
    const g = currentGeneration(openTenant('alice'));
    tenantPool().close('alice');
    expect(currentGeneration(openTenant('alice'))).toBeGreaterThan(g);
  });
});
