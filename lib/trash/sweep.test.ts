import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBlog } from '@/lib/blogs/blogs';
import { openDatabase } from '@/lib/db/connection';
import { closeControlDb } from '@/lib/db/control';
import { migrate, migrationSet } from '@/lib/db/migrate';
import { tenantDbPath } from '@/lib/db/paths';
import { closeTenantPool, openTenant } from '@/lib/db/pool';
import { createPost } from '@/lib/posts/posts';
import { forgetProcessWide } from '@/lib/process/shared';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { sweepTrash } from './sweep';
import { listTrash } from './trash';
import { moveToTrash } from '@/lib/trash/trash';

const dataDir = makeTempDataDir();
const DAY = 24 * 60 * 60 * 1000;

afterAll(async () => {
  closeTenantPool();
  await closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A sweep, and which blog files it opened. */
async function sweep(now: number): Promise<{ purged: number; opened: string[] }> {
  const opened: string[] = [];
  const purged = await sweepTrash(now, 30, (slug) => {
    opened.push(slug);
    return openTenant(slug);
  });
  return { purged, opened: opened.sort() };
}

/** Files changed in the last 2 s are looked at again next time (CLOCK_SLACK_MS): the test waits that long after writes. */
const pastTheSlack = () => new Promise((resolve) => setTimeout(resolve, 2100));

describe('sweepTrash', () => {
  it('opens only blogs whose files changed or whose trash came due, and remembers across restarts', async () => {
    for (const slug of ['quiet', 'busy', 'binned']) await createBlog({ slug, title: slug });
    const post = await createPost(openTenant('binned'), { title: 'Old news', markdown: 'x' });
    moveToTrash(openTenant('binned'), 'post', post.id);
    await createPost(openTenant('busy'), { title: 'First', markdown: 'x' });

    await pastTheSlack();
    // The first sweep knows nothing yet: it looks at every blog once.
    expect(await sweep(Date.now())).toEqual({ purged: 0, opened: ['binned', 'busy', 'quiet'] });
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'trash-sweep.json'), 'utf8'))).toMatchObject({
      binned: { oldest: expect.any(Number) },
      quiet: { oldest: null },
    });

    // Unchanged blogs with nothing due are not opened.
    expect(await sweep(Date.now())).toEqual({ purged: 0, opened: [] });

    // A write is noticed by the file's time alone.
    await createPost(openTenant('busy'), { title: 'Second', markdown: 'x' });
    await pastTheSlack();
    expect(await sweep(Date.now())).toEqual({ purged: 0, opened: ['busy'] });

    // A restarted server reads what was remembered instead of opening every blog again.
    forgetProcessWide('trash-sweep');
    expect(await sweep(Date.now())).toEqual({ purged: 0, opened: [] });

    // Thirty days on, the remembered date alone says that "binned" is due: only it is opened.
    expect(await sweep(Date.now() + 31 * DAY)).toEqual({ purged: 1, opened: ['binned'] });
    expect(listTrash(openTenant('binned'))).toEqual([]);
  });

  it('leaves a blog file that is not yet migrated alone: opening it would migrate it', async () => {
    await createBlog({ slug: 'behind', title: 'Behind' });
    closeTenantPool();
    // The blog's file replaced by one a version behind (as after an upgrade of the server).
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${tenantDbPath('behind')}${suffix}`, { force: true });
    const db = openDatabase(tenantDbPath('behind'), { mustExist: false, cacheKiB: 256 });
    migrate(db, migrationSet('tenant'), migrationSet('tenant').migrations.length - 1);
    db.close();
    expect((await sweep(Date.now())).opened).not.toContain('behind');
  });

  it('looks at every blog again when its memory is damaged', async () => {
    fs.writeFileSync(path.join(dataDir, 'trash-sweep.json'), '{"quiet": {"checkedAt": "soon"}, "busy": 7');
    forgetProcessWide('trash-sweep');
    expect(await sweep(Date.now())).toEqual({ purged: 0, opened: ['binned', 'busy', 'quiet'] });
  });
});
