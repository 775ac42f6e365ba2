import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantDbPath } from '@/lib/db/paths';
import type { TenantHandle } from '@/lib/db/pool';
import { controlSqlFromAnotherProcess } from '@/lib/testing/control';
import { expectSeen } from '@/lib/testing/seen';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { createPost } from '@/lib/posts/posts';
import { makeTempBlog } from '@/lib/testing/data-dir';
import { isPublicPost } from './public-posts';

const blog = makeTempBlog('pp', 'pp');
let handle: TenantHandle;
let published: number;
let draft: number;
beforeAll(async () => {
  handle = blog();
  published = (await createPost(handle, { title: 'Out', markdown: 'x' })).id;
  draft = (await createPost(handle, { title: 'Not yet', markdown: 'x', draft: true })).id;
});

const set = (sql: string, ...params: unknown[]) => handle.sqlite.prepare(sql).run(...params);

describe('isPublicPost', () => {
  it('counts published posts only: not drafts, not ids without a post', () => {
    const now = Date.now();
    expect(isPublicPost(handle, published, now)).toBe(true);
    expect(isPublicPost(handle, draft, now)).toBe(false);
    expect(isPublicPost(handle, 999, now)).toBe(false);
  });

  it("follows this process's writes at once (they move the page-cache generation)", () => {
    const now = Date.now();
    set("update posts set status = 'draft' where id = ?", published);
    bumpGeneration('pp');
    expect(isPublicPost(handle, published, now)).toBe(false);
    set("update posts set status = 'published' where id = ?", published);
    bumpGeneration('pp');
    expect(isPublicPost(handle, published, now)).toBe(true);
  });

  it('counts a scheduled post from its publish time', () => {
    const now = Date.now();
    set("update posts set status = 'scheduled', published_at = ? where id = ?", now + 60_000, draft);
    bumpGeneration('pp');
    expect(isPublicPost(handle, draft, now)).toBe(false);
    expect(isPublicPost(handle, draft, now + 60_000)).toBe(true);
  });

  it("sees another process's writes (the CLI bumps the generation in the control plane)", async () => {
    const now = Date.now() + 120_000;
    expect(isPublicPost(handle, published, now)).toBe(true);
    const blogFile = new Database(tenantDbPath('pp'));
    try {
      blogFile.prepare("update posts set status = 'draft' where id = ?").run(published);
    } finally {
      blogFile.close();
    }
    await controlSqlFromAnotherProcess("update blogs set generation = generation + 1 where slug = 'pp'");
    await expectSeen(() => isPublicPost(handle, published, now)).toBe(false);
  });
});
