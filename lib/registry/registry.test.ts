import { describe, expect, it } from 'vitest';
import { createBlog, findBlog, markActive, markUnderMaintenance } from '@/lib/blogs/blogs';
import { renameBlog, softDeleteBlog } from '@/lib/blogs/lifecycle';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { makeTempBlog } from '@/lib/testing/data-dir';
import { controlSqlFromAnotherProcess } from '@/lib/testing/control';
import { expectSeen } from '@/lib/testing/seen';
import { customDomainTarget, registeredBlog, renamedTo } from './registry';

makeTempBlog('alice', 'Alice');

/** Another process's connection, as the CLI's (or another node's) would be. */
const fromAnotherProcess = controlSqlFromAnotherProcess;

describe('the blog registry', () => {
  it('sees what this process writes, after it was read', async () => {
    expect(registeredBlog('alice')).toMatchObject({ status: 'active', primaryDomain: undefined });
    const generation = registeredBlog('alice')!.generation;
    bumpGeneration('alice');
    // Counted at once, on both backends (PostgreSQL writes it in the background).
    expect(registeredBlog('alice')!.generation).toBe(generation + 1);

    await createBlog({ slug: 'bob', title: 'Bob' });
    expect(registeredBlog('bob')?.status).toBe('active');
    await markUnderMaintenance((await findBlog('bob'))!, 'Being looked at');
    expect(registeredBlog('bob')?.status).toBe('maintenance');
    await markActive('bob');
    expect(registeredBlog('bob')?.status).toBe('active');

    await renameBlog('bob', 'robert');
    expect(registeredBlog('bob')).toBeUndefined();
    expect(renamedTo('bob')).toBe('robert');
    await softDeleteBlog((await findBlog('robert'))!);
    expect(registeredBlog('robert')?.status).toBe('deleted');
  });

  it('sees what another process writes (control.db: from the next turn of the event loop)', async () => {
    expect(customDomainTarget('alice.example')).toBeUndefined();
    const generation = registeredBlog('alice')!.generation;
    await fromAnotherProcess(`
      insert into blog_domains (domain, blog_id, token, verified_at, is_primary, created_at)
        select 'alice.example', id, 't', 1, 1, 1 from blogs where slug = 'alice';
      update blogs set generation = generation + 1 where slug = 'alice';`);
    await expectSeen(() => customDomainTarget('alice.example')).toEqual({ slug: 'alice', verified: true, isPrimary: true });
    await expectSeen(() => registeredBlog('alice')).toMatchObject({ primaryDomain: 'alice.example', generation: generation + 1 });
    await fromAnotherProcess(`update blogs set status = 'maintenance' where slug = 'alice'`);
    await expectSeen(() => registeredBlog('alice')?.status).toBe('maintenance');
  });

  it('counts an unverified claim but gives the name to the blog that verified it', async () => {
    await createBlog({ slug: 'carol', title: 'Carol' });
    await fromAnotherProcess(`
      insert into blog_domains (domain, blog_id, token, verified_at, is_primary, created_at)
        select 'shared.example', id, 'c', null, 0, 1 from blogs where slug = 'carol';
      insert into blog_domains (domain, blog_id, token, verified_at, is_primary, created_at)
        select 'shared.example', id, 'a', 5, 0, 1 from blogs where slug = 'alice';`);
    await expectSeen(() => customDomainTarget('shared.example')).toEqual({ slug: 'alice', verified: true, isPrimary: false });
  });
});
