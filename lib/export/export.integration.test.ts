import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { png } from '@/lib/testing/images';
import { blogFileHash } from '@/lib/testing/data-dir';
import { ApiClient, request, signUp, startServer, type RunningServer } from '@/lib/testing/server';
import { readZipEntries, zipOf } from '@/lib/testing/zip';

/**
 * Export and import over real HTTP against the production server: the file is the whole blog
 * and nothing secret, downloads are consistent and leave nothing behind, and every hostile
 * upload is refused with its sentence while the live blog stays byte for byte the same.
 */
const PASSWORD = 'a long enough passphrase';
let PNG: Buffer;
/** The image as the blog serves it (uploads are re-encoded without metadata). */
let servedPng: Buffer;
let dataDir: string;
let server: RunningServer;
let alice: ApiClient;
let bob: ApiClient;

const tmpFiles = () => (fs.existsSync(path.join(dataDir, 'tmp')) ? fs.readdirSync(path.join(dataDir, 'tmp')) : []);

/** The server removes a download's temp file once the response has ended: a moment after the client has it all. */
async function tmpFilesSoon(): Promise<string[]> {
  const deadline = Date.now() + 5_000;
  while (tmpFiles().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return tmpFiles();
}

async function download(client: ApiClient, url: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(`${client.origin}${url}`, { headers: { cookie: client.cookie } });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

async function upload(client: ApiClient, url: string, body: Buffer) {
  const response = await fetch(`${client.origin}${url}`, {
    method: 'POST',
    headers: { cookie: client.cookie, origin: client.origin, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, string> };
}

const fileHash = (slug: string) => blogFileHash(dataDir, slug);

function openExport(bytes: Buffer): Database.Database {
  const file = path.join(dataDir, `check-${randomBytes(4).toString('hex')}.db`);
  fs.writeFileSync(file, bytes);
  return new Database(file, { readonly: true });
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-export-'));
  server = await startServer(dataDir, { QUIRE_IMPORT_MAX_MB: '2', QUIRE_PV_FLUSH_MS: '200' });
  alice = await signUp(server.port, { email: 'alice@example.com', password: PASSWORD, blog: { slug: 'alices', title: 'Alice' } });
  PNG = await png(40, 30);
  const image = await fetch(`${alice.origin}/api/blogs/alices/media?filename=dot.png`, {
    method: 'POST',
    headers: { cookie: alice.cookie, origin: alice.origin },
    body: new Uint8Array(PNG),
  });
  expect(image.status).toBe(200);
  const { path: url } = (await image.json()) as { path: string };
  servedPng = (await request(server.port, `alices.localhost:${server.port}`, url)).bytes;
  expect(servedPng.subarray(0, 8)).toEqual(PNG.subarray(0, 8));
  await alice.call('POST', '/api/blogs/alices/posts', {
    title: 'With code',
    markdown: `\`\`\`js\nlet a = 1;\n\`\`\`\n\n![dot](${url})`,
    action: 'publish',
    tags: 'code, js',
  });
  await alice.call('POST', '/api/blogs/alices/posts', { title: 'A draft', markdown: 'not yet', action: 'save' });
  await alice.call('POST', '/api/blogs/alices/pages', { title: 'About', markdown: 'About Alice', action: 'publish' });
  await alice.call('POST', '/api/blogs', { slug: 'victim', title: 'Victim' });
  await alice.call('POST', '/api/blogs/victim/posts', { title: 'Precious', markdown: 'keep me', action: 'publish' });
  bob = await signUp(server.port, { email: 'bob@example.com', password: PASSWORD, blog: { slug: 'bobs', title: 'Bob' } });
  const invite = await alice.call('POST', '/api/blogs/alices/invites', { role: 'editor' });
  await bob.call('POST', '/api/invites/accept', { token: String(invite.json.url).split('/invite/')[1] });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('one-click export', () => {
  it('downloads the whole blog as one SQLite file, and nothing secret', async () => {
    const reply = await download(alice, '/api/blogs/alices/export');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/vnd.sqlite3');
    expect(reply.headers.get('content-disposition')).toBe(`attachment; filename="alices-${new Date().toISOString().slice(0, 10)}.db"`);
    expect(Number(reply.headers.get('content-length'))).toBe(reply.body.length);

    const db = openExport(reply.body);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('select title from posts order by id').pluck().all()).toEqual(['With code', 'A draft']);
    expect(db.prepare('select title from pages').pluck().all()).toEqual(['About']);
    expect(db.prepare('select bytes from media').pluck().get()).toEqual(servedPng);
    expect(db.prepare('select name from tags order by name').pluck().all()).toEqual(['code', 'js']);
    expect(db.prepare("select value from quire_about where key = 'format'").pluck().get()).toBe('Quire blog');
    expect(db.prepare("select value from quire_about where key = 'schema_version'").pluck().get()).toBe(
      String(db.pragma('user_version', { simple: true })),
    );
    const tables = db.prepare("select name from sqlite_schema where type = 'table'").pluck().all() as string[];
    const columnsOf = (table: string) => (db.prepare(`select name from pragma_table_info(?)`).pluck().all(table) as string[]).join(' ');
    // The blog's subscribers travel with it by design (the author owns the list): their addresses
    // and the secret of their own unsubscribe links, nothing of the platform's.
    expect(columnsOf('subscribers')).toBe('id email name state token source created_at confirmed_at ended_at ended_reason');
    for (const table of tables.filter((name) => name !== 'subscribers')) {
      expect(`${table} ${columnsOf(table)}`).not.toMatch(/password|session|token|secret|email/i);
    }
    db.close();
    expect(await tmpFilesSoon()).toEqual([]);
  });

  it('is for owners only', async () => {
    expect((await download(bob, '/api/blogs/alices/export')).status).toBe(403);
    expect((await download(bob, '/api/blogs/alices/export/markdown')).status).toBe(403);
    const stranger = await signUp(server.port, { email: 'eve@example.com', password: PASSWORD, blog: { slug: 'eves', title: 'Eve' } });
    expect((await download(stranger, '/api/blogs/alices/export')).status).toBe(404);
  });

  it('is consistent while another client writes in a loop', async () => {
    const writer = new Database(path.join(dataDir, 'tenants', 'victim.db'));
    writer.pragma('busy_timeout = 5000');
    const insert = writer.prepare('insert into settings (key, value) values (?, ?)');
    let written = 0;
    let writing = true;
    const loop = (async () => {
      while (writing) {
        writer.transaction(() => {
          insert.run(`k${written}`, 'x'.repeat(2000));
          insert.run(`k${written}b`, 'pair');
        })();
        written++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const reply = await download(alice, '/api/blogs/victim/export');
    writing = false;
    await loop;
    writer.close();
    expect(reply.status).toBe(200);
    const db = openExport(reply.body);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const keys = db.prepare("select key from settings where key like 'k%'").pluck().all() as string[];
    // Each transaction wrote a pair: a consistent snapshot never holds half of one.
    const singles = keys.filter((k) => !k.endsWith('b'));
    expect(keys.length).toBe(singles.length * 2);
    expect(written).toBeGreaterThan(0);
    db.close();
    const cleanup = new Database(path.join(dataDir, 'tenants', 'victim.db'));
    cleanup.prepare("delete from settings where key like 'k%'").run();
    cleanup.close();
  });

  it('runs one export per blog at a time, and an abandoned download leaves no file behind', async () => {
    // Make the blog big enough that a download stays open while we look.
    const writer = new Database(path.join(dataDir, 'tenants', 'bobs.db'));
    writer
      .prepare("insert into media (filename, mime, size, bytes, created_at) values ('big.png', 'image/png', ?, ?, 0)")
      .run(24 * 1024 * 1024, randomBytes(24 * 1024 * 1024));
    writer.close();

    const first = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/blogs/bobs/export',
          headers: { host: `localhost:${server.port}`, cookie: bob.cookie },
        },
        resolve,
      ),
    );
    expect(first.statusCode).toBe(200);
    await new Promise((resolve) => first.once('data', resolve));
    first.pause();
    expect(tmpFiles()).toHaveLength(1);

    const second = await download(bob, '/api/blogs/bobs/export');
    expect(second.status).toBe(409);
    expect(second.body.toString()).toMatch(/already running/);

    first.destroy();
    expect(await tmpFilesSoon()).toEqual([]);
    expect((await download(bob, '/api/blogs/bobs/export')).status).toBe(200);
    expect(await tmpFilesSoon()).toEqual([]);
  });
});

/** The zip's entries as text (latin1: bytes kept one to one). */
async function readZip(bytes: Buffer): Promise<Map<string, string>> {
  return new Map([...(await readZipEntries(bytes))].map(([name, data]) => [name, data.toString('latin1')]));
}

describe('Markdown export', () => {
  it('zips posts and pages with front matter, the media, the settings and a README', async () => {
    const reply = await download(alice, '/api/blogs/alices/export/markdown');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/zip');
    const files = await readZip(reply.body);
    expect([...files.keys()].sort()).toEqual([
      'README.md',
      'media/1-dot.png',
      'pages/about.md',
      'posts/a-draft.md',
      'posts/with-code.md',
      'quire.yaml',
    ]);
    const post = files.get('posts/with-code.md')!;
    expect(post).toMatch(
      /^---\ntitle: With code\nslug: with-code\ndate: \d{4}-\d\d-\d\dT[\d:.]+Z\nstatus: published\ntags:\n  - code\n  - js\n/,
    );
    expect(post).toContain('```js\nlet a = 1;\n```');
    expect(files.get('posts/a-draft.md')).toContain('status: draft');
    expect(Buffer.from(files.get('media/1-dot.png')!, 'latin1')).toEqual(servedPng);
  });
});

describe('import', () => {
  it('brings an exported file back as a new blog, readable on its own subdomain', async () => {
    const exported = (await download(alice, '/api/blogs/alices/export')).body;
    const reply = await upload(alice, '/api/blogs/import?slug=alices-copy', exported);
    expect(reply.json).toEqual({ redirect: '/dashboard/alices-copy', slug: 'alices-copy' });
    const post = await request(server.port, `alices-copy.localhost:${server.port}`, '/posts/with-code');
    expect(post.status).toBe(200);
    expect(post.body).toContain('hljs-keyword');
    const image = await request(server.port, `alices-copy.localhost:${server.port}`, '/media/1/dot.png');
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.bytes).toEqual(servedPng);
    // The search index is rebuilt from the copied posts, not taken from the file.
    const found = await request(server.port, `alices-copy.localhost:${server.port}`, '/search?q=code');
    expect(found.body).toContain('href="/posts/with-code"');
  });

  it('brings a Markdown zip back as a new blog', async () => {
    const zip = (await download(alice, '/api/blogs/alices/export/markdown')).body;
    expect((await upload(alice, '/api/blogs/import?slug=from-zip', zip)).status).toBe(200);
    const home = await request(server.port, `from-zip.localhost:${server.port}`, '/');
    expect(home.body).toContain('With code');
    expect(home.body).not.toContain('A draft');
    expect(home.body).toContain('href="/about"');
    expect((await request(server.port, `from-zip.localhost:${server.port}`, '/posts/with-code')).body).toContain('code');
  });

  it('replaces a blog, keeping a snapshot that restores it', async () => {
    await alice.call('POST', '/api/blogs', { slug: 'swap', title: 'Swap' });
    await alice.call('POST', '/api/blogs/swap/posts', { title: 'Original', markdown: 'before', action: 'publish' });
    const other = (await download(alice, '/api/blogs/alices/export')).body;
    const replaced = await upload(alice, '/api/blogs/swap/import', other);
    expect(replaced.status).toBe(200);
    expect(replaced.json.snapshot).toMatch(/^pre-import-.*\.db$/);
    const host = `swap.localhost:${server.port}`;
    expect((await request(server.port, host, '/')).body).toContain('With code');
    expect((await request(server.port, host, '/')).body).not.toContain('Original');

    const restored = await alice.call('POST', '/api/blogs/swap/snapshots', { name: replaced.json.snapshot });
    expect(restored.status).toBe(200);
    expect((await request(server.port, host, '/')).body).toContain('Original');
    expect(fs.readdirSync(path.join(dataDir, 'backups', 'swap')).some((n) => n.startsWith('pre-restore-'))).toBe(true);
  });

  it('is for owners only', async () => {
    expect((await upload(bob, '/api/blogs/alices/import', PNG)).status).toBe(403);
  });

  it('never keeps stored HTML from a file: every post is rendered and sanitized again', async () => {
    const file = path.join(dataDir, 'stored-xss.db');
    fs.writeFileSync(file, (await download(alice, '/api/blogs/alices/export')).body);
    const db = new Database(file);
    db.prepare("update posts set html = '<script>window.__pwned = 1</script><p>evil</p>' where title = 'With code'").run();
    db.close();
    const imported = await upload(bob, '/api/blogs/import?slug=rerendered', fs.readFileSync(file));
    expect(imported.json).toMatchObject({ slug: 'rerendered' });
    const post = await request(server.port, `rerendered.localhost:${server.port}`, '/posts/with-code');
    expect(post.status).toBe(200);
    expect(post.body).not.toContain('__pwned');
    expect(post.body).toContain('hljs-keyword'); // rendered again from its Markdown
  });

  it('accepts a blog file Litestream 0.3 replicated (a snapshot, a restored backup), without its two tables', async () => {
    const file = path.join(dataDir, 'replicated.db');
    fs.writeFileSync(file, (await download(alice, '/api/blogs/alices/export')).body);
    const db = new Database(file);
    // As Litestream 0.3.13 creates them in every file it replicates.
    db.exec('CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER); CREATE TABLE _litestream_lock (id INTEGER);');
    db.close();
    expect((await upload(bob, '/api/blogs/import?slug=replicated', fs.readFileSync(file))).json).toMatchObject({ slug: 'replicated' });
    const imported = new Database(path.join(dataDir, 'tenants', 'replicated.db'), { readonly: true });
    expect(imported.prepare("select name from sqlite_schema where name like '\\_litestream%' escape '\\'").all()).toEqual([]);
    imported.close();
  });
});

describe('hostile uploads', () => {
  const quireFile = async () => (await download(alice, '/api/blogs/alices/export')).body;
  const withSql = async (sql: string) => {
    const file = path.join(dataDir, `hostile-${randomBytes(4).toString('hex')}.db`);
    fs.writeFileSync(file, await quireFile());
    const db = new Database(file);
    db.exec(sql);
    db.close();
    return fs.readFileSync(file);
  };
  const commentRow = (values: Record<string, string>) => {
    const row = {
      post_id: '1',
      author_name: 'Mallory',
      author_url: 'https://x.test',
      body: 'hi',
      html: '<p>hi</p>',
      status: 'approved',
      created_at: '0',
      ...values,
    };
    return `insert into comments (${Object.keys(row).join(', ')}) values (${Object.values(row)
      .map((v) => `'${v}'`)
      .join(', ')})`;
  };
  const replaceAll = (buffer: Buffer, from: string, to: string) => Buffer.from(buffer.toString('latin1').split(from).join(to), 'latin1');

  const corpus: [string, () => Promise<Buffer> | Buffer, number, RegExp][] = [
    ['an empty file', () => Buffer.alloc(0), 400, /^This file is not a SQLite database\.$/],
    ['random bytes', () => randomBytes(4096), 400, /^This file is not a SQLite database\.$/],
    [
      'an HTML page renamed .db',
      () => Buffer.from('<!doctype html><html><body>Hello</body></html>'),
      400,
      /^This file is not a SQLite database\.$/,
    ],
    ['a truncated blog file', async () => (await quireFile()).subarray(0, 20_000), 400, /^This file was damaged: /],
    [
      'a SQLite file from another application',
      () => {
        const file = path.join(dataDir, 'other-app.db');
        const db = new Database(file);
        db.exec("create table contacts (name text, phone text); insert into contacts values ('a', '1')");
        db.close();
        return fs.readFileSync(file);
      },
      400,
      /^This database is not a Quire blog \(it has a table "contacts"\)\.$/,
    ],
    [
      'a Quire file with a trigger',
      () => withSql('create trigger evil after insert on posts begin delete from posts; end'),
      400,
      /^This database has a trigger \("evil"\)/,
    ],
    [
      'a Quire file with a view',
      () => withSql('create view everything as select * from posts'),
      400,
      /^This database has a view \("everything"\)/,
    ],
    [
      'a search-index trigger rewritten to do harm',
      () => withSql('drop trigger posts_fts_insert; create trigger posts_fts_insert after insert on posts begin delete from posts; end'),
      400,
      /^This database has a trigger \("posts_fts_insert"\) that a Quire blog does not have/,
    ],
    [
      'a search index replaced by another virtual table',
      () => withSql('drop table posts_fts; create virtual table posts_fts using fts5(title, body_text)'),
      400,
      /^This database has a virtual table \("posts_fts"\)/,
    ],
    [
      'a search index re-created with two spaces in CREATE VIRTUAL  TABLE',
      () =>
        withSql(
          "drop table posts_fts; create virtual  table posts_fts using fts5(title, body_text, content='posts', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
        ),
      400,
      /^This database has a virtual table \("posts_fts"\) that a Quire blog does not have in this form/,
    ],
    ['a Quire file with an extra table', () => withSql('create table loot (x)'), 400, /not a Quire blog \(it has a table "loot"\)/],
    [
      "a table named as Litestream's, of another shape",
      () => withSql('create table _litestream_seq (id integer primary key, seq integer, loot text)'),
      400,
      /not a Quire blog \(it has a table "_litestream_seq"\)/,
    ],
    [
      'a trigger named to look internal',
      () => withSql('create trigger sqlitex after insert on daily_views begin delete from posts; end'),
      400,
      /has a trigger \("sqlitex"\)/,
    ],
    ['a view named to look internal', () => withSql('create view sqlitexview as select 1'), 400, /has a view \("sqlitexview"\)/],
    ['a post with a hostile address', () => withSql("update posts set slug = '../../etc' where id = 1"), 400, /invalid address/],
    [
      'a file over the limit',
      () => Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(3 * 1024 * 1024)]),
      413,
      /^This file is larger than the 2 MB import limit\.$/,
    ],
    ['a zip bomb (declared)', () => zipOf([['posts/bomb.md', Buffer.alloc(40 * 1024 * 1024)]]), 400, /expands to more than 2 MB/],
    [
      'a zip bomb that lies about its size',
      async () => {
        const zip = await zipOf([['media/1-x.png', Buffer.alloc(1024 * 1024)]]);
        const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
        zip.writeUInt32LE(1000, central + 24); // central directory: uncompressed size
        zip.writeUInt32LE(1000, zip.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04])) + 22); // local header
        return zip;
      },
      400,
      /lies about its sizes|damaged/,
    ],
    [
      'a zip with ../ paths',
      async () => replaceAll(await zipOf([['xx/evil.md', Buffer.from('---\ntitle: x\n---\nx')]]), 'xx/evil.md', '../evil.md'),
      400,
      /unsafe file name/,
    ],
    [
      'a zip with an absolute path',
      async () => replaceAll(await zipOf([['xetc/evil.md', Buffer.from('x')]]), 'xetc/evil.md', '/etc/evil.md'),
      400,
      /unsafe file name/,
    ],
    ['a zip post without front matter', () => zipOf([['posts/x.md', Buffer.from('just text')]]), 400, /posts\/x\.md has no front matter/],
    [
      'a zip post with a hostile slug',
      () => zipOf([['posts/x.md', Buffer.from('---\ntitle: X\nslug: ../../etc\n---\nbody')]]),
      400,
      /posts\/x\.md: A post address uses only/,
    ],
    [
      'a comment with an unknown status',
      () => withSql(`pragma ignore_check_constraints = on; ${commentRow({ status: 'published' })}`),
      400,
      /^This file has a comment whose status is not one of pending, approved, spam\.$/,
    ],
    [
      'a comment whose website is a script',
      () => withSql(commentRow({ author_url: 'javascript:alert(1)' })),
      400,
      /^This file has a comment whose website is not an http or https address\.$/,
    ],
    [
      'zip comments whose website is a script',
      () =>
        zipOf([
          ['posts/x.md', Buffer.from('---\ntitle: X\nslug: x\n---\nbody')],
          ['comments/x.yaml', Buffer.from('- name: Mallory\n  website: javascript:alert(1)\n  date: 2026-01-01T00:00:00Z\n  body: hi\n')],
        ]),
      400,
      /^comments\/x\.yaml: A website must be an address starting with http:\/\/ or https:\/\/\.$/,
    ],
    [
      'an older-schema file whose CHECK expression is expensive',
      () =>
        withSql(
          "drop table settings; create table settings (key text primary key, value text not null check (length(printf('%.*c', 2000000000, 'x')) > 0)); pragma user_version = 5",
        ),
      400,
      /^This database (is not a Quire blog|has a table \("\w+"\) that a Quire blog does not have in this form)/,
    ],
    [
      'a file whose blog title is far over the limit',
      () => withSql(`insert or replace into settings (key, value) values ('title', '${'T'.repeat(5000)}')`),
      400,
      /^This file's blog settings are not valid: A blog title is at most 120 characters\.$/,
    ],
    [
      'a file with a post title over the limit',
      () => withSql(`update posts set title = '${'t'.repeat(201)}'`),
      400,
      /^This file has a post title longer than 200 characters\.$/,
    ],
    [
      'a file with an earlier version of a post over the limit',
      () =>
        withSql(
          `insert into post_revisions (post_id, kind, title, markdown, created_at) values (1, 'saved', 'Old', '${'m'.repeat(200_001)}', 0)`,
        ),
      400,
      /^This file has an earlier version of a post longer than 200,000 characters\.$/,
    ],
    [
      'a file with an earlier version of a post whose tags are not a list',
      () =>
        withSql(
          `insert into post_revisions (post_id, kind, title, markdown, tags, created_at) values (1, 'pending', 'Old', 'x', '{"a":1}', 0)`,
        ),
      400,
      /^This file has an earlier version of a post whose tags are not a list of at most 20 tags of at most 40 characters\.$/,
    ],
    [
      'a zip post larger than a post may be',
      () => zipOf([['posts/big.md', Buffer.alloc(1_000_000, 'a')]]),
      400,
      /^posts\/big\.md is larger than \d+ KB; nothing was imported\.$/,
    ],
    [
      'a zip whose settings title is over the limit',
      () => zipOf([['quire.yaml', Buffer.from(`title: ${'T'.repeat(200)}\n`)]]),
      400,
      /^quire\.yaml: A blog title is at most 120 characters\.$/,
    ],
    [
      'a file with an image description over the limit',
      () => withSql(`update media set alt = '${'d'.repeat(501)}'`),
      400,
      /^This file has an image description longer than 500 characters\.$/,
    ],
    [
      'a redirect to another site',
      () => withSql("insert into redirects (path, target, created_at) values ('/old', '//evil.example/', 0)"),
      400,
      /^This file has a redirect whose target could lead to another site \(\/\/ or \\\)\.$/,
    ],
    [
      'a redirect to a full URL',
      () => withSql("insert into redirects (path, target, created_at) values ('/old', 'https://evil.example/', 0)"),
      400,
      /^This file has a redirect whose target is not a path of the blog \(starting with \/\)\.$/,
    ],
    [
      'a redirect whose target carries a header',
      () =>
        withSql(
          "insert into redirects (path, target, created_at) values ('/old', '/x' || char(13) || char(10) || 'Set-Cookie: session=stolen', 0)",
        ),
      400,
      /^This file has a redirect whose target has control characters\.$/,
    ],
    [
      'a redirect whose address is too long',
      () => withSql(`insert into redirects (path, target, created_at) values ('/${'x'.repeat(2000)}', '/', 0)`),
      400,
      /^This file has a redirect whose address is longer than 2,000 characters\.$/,
    ],
    [
      'a post in the trash that readers could see',
      () => withSql('update posts set deleted_at = 1 where id = 1'),
      400,
      /^This file has a post half in the trash \(without a time, or not a draft\)\.$/,
    ],
    [
      'a time zone the server does not know',
      () => withSql("insert or replace into settings (key, value) values ('time_zone', 'Mars/Olympus_Mons')"),
      400,
      /^This file's blog settings are not valid: Choose a time zone from the list\.$/,
    ],
    [
      'zip comments for a post that is not there',
      () => zipOf([['comments/ghost.yaml', Buffer.from('- name: A\n  date: 2026-01-01T00:00:00Z\n  body: hi\n')]]),
      400,
      /^comments\/ghost\.yaml: There is no post "ghost" for these comments\.$/,
    ],
  ];

  it.each(corpus)('refuses %s with its sentence, leaving the live blog unchanged', async (_name, make, status, message) => {
    const before = fileHash('victim');
    const reply = await upload(alice, '/api/blogs/victim/import', await make());
    expect(reply.status).toBe(status);
    expect(reply.json.error).toMatch(message);
    expect(fileHash('victim')).toBe(before);
    expect(tmpFiles()).toEqual([]);
    expect((await request(server.port, `victim.localhost:${server.port}`, '/posts/precious')).status).toBe(200);
  });
});

describe('comments in exports', () => {
  let carol: ApiClient;
  const talkHost = () => `talk.localhost:${server.port}`;
  const comment = (body: string) =>
    request(server.port, talkHost(), '/comments', {
      method: 'POST',
      body: new URLSearchParams({ post: 'open', name: 'Grace', website: 'https://grace.example', body }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://${talkHost()}` },
    });

  beforeAll(async () => {
    carol = await signUp(server.port, { email: 'carol@example.com', password: PASSWORD, blog: { slug: 'talk', title: 'Talk' } });
    await carol.call('POST', '/api/blogs/talk/posts', { title: 'Open', markdown: 'Comment here.', action: 'publish' });
    expect((await comment('Approved **words**')).status).toBe(303);
    expect((await comment('Still pending')).status).toBe(303);
    const db = new Database(path.join(dataDir, 'tenants', 'talk.db'), { readonly: true });
    const id = db.prepare("select id from comments where body like 'Approved%'").pluck().get() as number;
    db.close();
    expect((await carol.call('PATCH', `/api/blogs/talk/comments/${id}`, { status: 'approved' })).status).toBe(200);
  });

  it('the blog file carries them, and its stored comment HTML is never trusted', async () => {
    const file = path.join(dataDir, 'talk-xss.db');
    fs.writeFileSync(file, (await download(carol, '/api/blogs/talk/export')).body);
    const db = new Database(file);
    db.prepare("update comments set html = '<script>window.__pwned = 1</script>'").run();
    db.close();
    expect((await upload(carol, '/api/blogs/import?slug=talk-copy', fs.readFileSync(file))).status).toBe(200);
    const page = await request(server.port, `talk-copy.localhost:${server.port}`, '/posts/open');
    expect(page.body).toContain('<p>Approved <strong>words</strong></p>');
    expect(page.body).not.toContain('__pwned');
    expect(page.body).not.toContain('Still pending');
    expect((await carol.call('GET', '/dashboard/talk-copy/comments')).text).toContain('Still pending');
  });

  it('the Markdown zip holds the approved ones, and brings them back', async () => {
    const zip = (await download(carol, '/api/blogs/talk/export/markdown')).body;
    const files = await readZip(zip);
    expect(files.get('comments/open.yaml')).toMatch(
      /^- name: Grace\n  website: https:\/\/grace\.example\/\n  date: \d{4}-[\d-]+T[\d:.]+Z\n  body: Approved \*\*words\*\*\n$/,
    );
    expect(files.get('quire.yaml')).toContain('comments: moderated');
    expect((await upload(carol, '/api/blogs/import?slug=talk-zip', zip)).status).toBe(200);
    const page = await request(server.port, `talk-zip.localhost:${server.port}`, '/posts/open');
    expect(page.body).toContain('<p>Approved <strong>words</strong></p>');
    expect(page.body).toContain('1 comment');
  });
});
