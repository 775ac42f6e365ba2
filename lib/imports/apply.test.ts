import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeQuietly, scratchFile, tenantDbPath } from '@/lib/db/paths';
import { InputError } from '@/lib/input';
import { savePost } from '@/lib/posts/posts';
import { blogFileHash, makeTempBlog } from '@/lib/testing/data-dir';
import { runImport } from './apply';
import { mergeIntoBlog } from './merge';

/**
 * All or nothing, through the import's own entry (as the worker runs it): a run that stops half
 * way, or a merge that finds an address taken meanwhile, leaves the blog's file as it was.
 */
const blog = makeTempBlog('home', 'Home');
const dataDir = () => process.env.QUIRE_DATA_DIR!;

/** A WordPress export of `count` short published posts, `post-1`… */
function wxr(count: number): string {
  const file = path.join(dataDir(), `export-${count}.xml`);
  const items = Array.from(
    { length: count },
    (_, i) => `<item><title>Post ${i + 1}</title><link>https://old.example/2020/01/post-${i + 1}/</link>
<content:encoded><![CDATA[<p>Text of post ${i + 1}, with **some** words.</p>]]></content:encoded>
<wp:post_id>${i + 1}</wp:post_id><wp:post_date_gmt>2020-01-01 10:00:00</wp:post_date_gmt><wp:post_name>post-${i + 1}</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>`,
  );
  fs.writeFileSync(
    file,
    `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Old</title><link>https://old.example</link><wp:wxr_version>1.2</wp:wxr_version>${items.join('\n')}</channel></rss>`,
  );
  return file;
}

describe('an import into an existing blog', () => {
  it('that runs out of time half way leaves the blog as it was, and no scratch file', async () => {
    await savePost(blog(), undefined, { title: 'Mine', markdown: 'My own.', action: 'publish' });
    const before = blogFileHash(dataDir(), 'home');
    const staging = scratchFile('import', '.db');
    const progress: number[] = [];
    await expect(
      runImport({ upload: wxr(2_000), staging, dryRun: false, into: tenantDbPath('home') }, Date.now() + 400, (p) =>
        progress.push(p.items),
      ),
    ).rejects.toThrow(/took too long; nothing was imported/);
    expect(fs.existsSync(staging)).toBe(false);
    expect(blogFileHash(dataDir(), 'home')).toBe(before);
    expect(blog().sqlite.prepare('select slug from posts').pluck().all()).toEqual(['mine']);
  });

  it('is refused whole when an address it brings was taken while it ran', async () => {
    const staging = scratchFile('import', '.db');
    try {
      // Built as for a new blog (its rows numbered from 1), then a post at one of its addresses meanwhile.
      await runImport({ upload: wxr(3), staging, dryRun: false }, Date.now() + 60_000, () => undefined);
      await savePost(blog(), undefined, { title: 'Post 2', markdown: 'Mine first.', action: 'publish' });
      const before = blogFileHash(dataDir(), 'home');
      const merging = () => mergeIntoBlog(staging, tenantDbPath('home'));
      expect(merging).toThrow(InputError);
      expect(merging).toThrow('A post at the address “post-2” was made while the import ran; nothing was imported. Try again.');
      expect(blogFileHash(dataDir(), 'home')).toBe(before);
    } finally {
      removeQuietly(staging);
    }
  });

  it('numbers its rows above the blog’s own and finds the blog’s tags by their address', async () => {
    await savePost(blog(), undefined, { title: 'Tagged', markdown: 'Tagged.', tags: ['Travel'], action: 'publish' });
    const file = path.join(dataDir(), 'tagged.xml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(wxr(2), 'utf8')
        .replaceAll('</wp:post_type>', '</wp:post_type><category domain="post_tag" nicename="travel"><![CDATA[Travel]]></category>'),
    );
    const db = blog().sqlite;
    // A post deleted for good: its id stays used (an id is never given again).
    const gone = await savePost(blog(), undefined, { title: 'Gone', markdown: 'Soon gone.', action: 'save' });
    db.prepare('delete from posts where id = ?').run(gone.id);
    const ownMax = gone.id;
    const staging = scratchFile('import', '.db');
    const report = await runImport(
      { upload: file, staging, dryRun: false, into: tenantDbPath('home') },
      Date.now() + 60_000,
      () => undefined,
    );
    expect(report.posts).toBe(2);
    const ids = db.prepare('select id from posts where id > ?').pluck().all(ownMax) as number[];
    expect(ids).toHaveLength(2);
    expect(Math.min(...ids)).toBeGreaterThan(ownMax + 1_000);
    expect(db.prepare("select count(*) from tags where slug = 'travel'").pluck().get()).toBe(1);
    expect(db.prepare("select count(*) from post_tags pt join tags t on t.id = pt.tag_id where t.slug = 'travel'").pluck().get()).toBe(3);
    expect(db.prepare("select target from redirects where path = '/2020/01/post-1'").pluck().get()).toBe('/posts/post-1');
  });
});
