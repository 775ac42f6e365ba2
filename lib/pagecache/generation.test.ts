import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlog } from '@/lib/blogs/blogs';
import { closeControlDb } from '@/lib/db/control';
import { tenantDbPath } from '@/lib/db/paths';
import { closeTenantPool, openTenant, tenantPool } from '@/lib/db/pool';
import { savePost } from '@/lib/posts/posts';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { controlSqlFromAnotherProcess } from '@/lib/testing/control';
import { expectSeen } from '@/lib/testing/seen';
import { bumpGeneration, bumpsWritten, pageGeneration } from './generation';

const dataDir = makeTempDataDir();
beforeAll(async () => {
  await createBlog({ slug: 'alice', title: 'Alice' });
});

afterAll(async () => {
  closeTenantPool();
  await closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('page-cache generation', () => {
  it('stays put while nothing changes, and is undefined for a blog that does not exist', () => {
    const g = pageGeneration('alice');
    expect(g).toMatch(/^\d+\.\d+$/);
    expect(pageGeneration('alice')).toBe(g);
    expect(pageGeneration('nobody')).toBeUndefined();
  });

  it('moves on a bump made in this process', async () => {
    const g = pageGeneration('alice');
    bumpGeneration('alice');
    expect(pageGeneration('alice')).not.toBe(g);
    await bumpsWritten();
  });

  it('moves on a bump made by another process (the CLI writes the control plane)', async () => {
    const g = pageGeneration('alice');
    await controlSqlFromAnotherProcess("update blogs set generation = generation + 1 where slug = 'alice'");
    await expectSeen(() => pageGeneration('alice')).not.toBe(g);
  });

  it('does not move on writes readers cannot see (a draft)', async () => {
    const g = pageGeneration('alice');
    await savePost(openTenant('alice'), undefined, { title: 'Not yet', markdown: 'Draft' });
    expect(pageGeneration('alice')).toBe(g);
  });

  it('moves when a scheduled post comes due, once', async () => {
    const now = Date.now();
    const due = now + 60_000;
    await savePost(openTenant('alice'), undefined, { title: 'Later', markdown: 'Soon', action: 'schedule', publishAt: new Date(due) });
    const g = pageGeneration('alice', now);
    expect(pageGeneration('alice', due - 1)).toBe(g);
    const after = pageGeneration('alice', due);
    expect(after).not.toBe(g);
    expect(pageGeneration('alice', due + 1)).toBe(after);
    await bumpsWritten();
  });

  it('differs for another file put in place of the blog by hand, at the same generation', () => {
    // Later than anything an earlier test asked about.
    const now = Date.now() + 3_600_000;
    const g = pageGeneration('alice', now);
    tenantPool().close('alice');
    const copy = `${tenantDbPath('alice')}.copy`;
    fs.copyFileSync(tenantDbPath('alice'), copy);
    fs.renameSync(copy, tenantDbPath('alice'));
    expect(pageGeneration('alice', now + 2000)).not.toBe(g);
  });
});
