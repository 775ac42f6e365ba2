import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '@/lib/uploads/archive';
import { GHOST_JSON_MAX_BYTES, openGhost, openGhostArchive } from './ghost';
import type { ImportedItem, ImportSource } from './source';

const FIXTURES = path.join(__dirname, 'fixtures/ghost');
const LATER = () => Date.now() + 60_000;
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-ghost-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function all(source: ImportSource): Promise<ImportedItem[]> {
  const items: ImportedItem[] = [];
  for await (const item of source.items()) items.push(item);
  return items;
}

async function read(fixture: string): Promise<{ source: ImportSource; items: Map<string, ImportedItem>; order: string[] }> {
  const source = await openGhost(path.join(FIXTURES, fixture), LATER());
  const list = await all(source);
  return { source, items: new Map(list.map((item) => [item.slug, item])), order: list.map((item) => item.slug) };
}

function html(item: ImportedItem | undefined): string {
  if (!item || !('html' in item.body)) throw new Error('expected an HTML body');
  return item.body.html;
}

/** Writes `json` (a value, or text as it is) to a file and opens it as a Ghost export. */
let written = 0;
function openText(json: unknown): Promise<ImportSource> {
  const file = path.join(dir, `export-${written++}.json`);
  fs.writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json));
  return openGhost(file, LATER());
}

function exportWith(posts: unknown[], data: Record<string, unknown> = {}): unknown {
  return { db: [{ meta: { exported_on: 1717000000000, version: '5.82.3' }, data: { posts, ...data } }] };
}

function post(fields: Record<string, unknown>): Record<string, unknown> {
  return { id: 'p1', title: 'Hostile', slug: 'hostile', status: 'published', type: 'post', html: null, ...fields };
}

describe('a Ghost 5 export', () => {
  it('describes the site: title, description, and the listing paths of public tags that posts use', async () => {
    const { source } = await read('ghost-5.json');
    expect(source.kind).toBe('ghost');
    expect(source.site.title).toBe('Field Notes');
    expect(source.site.description).toBe('Notes from the field.');
    expect(source.site.url).toBeUndefined();
    // Not #hero (internal) nor Unused (no post has it).
    expect(source.site.tagPaths).toEqual([
      { path: '/tag/notes/', tag: 'Notes' },
      { path: '/tag/travel/', tag: 'Travel' },
    ]);
    expect(source.site.warnings.join(' ')).toMatch(/routes\.yaml/);
  });

  it('gives posts and pages in the export order, with their relations in Ghost order', async () => {
    const { items, order } = await read('ghost-5.json');
    expect(order).toEqual([
      'welcome',
      'written-in-lexical',
      'about',
      'half-written-thoughts',
      'coming-soon',
      'for-members',
      'paid-deep-dive',
      'newsletter-12',
    ]);
    const welcome = items.get('welcome')!;
    expect(welcome).toMatchObject({
      kind: 'post',
      sourceId: '6640a1f2c3d4e5f601000001',
      title: 'Welcome to Field Notes',
      status: 'published',
      excerpt: 'Where the notes begin.',
      tags: ['Notes', 'Travel'],
      authors: ['Ana Lima', 'Ben Okafor'],
      featureImage: { url: '/content/images/2024/05/cover.jpg', alt: 'A mountain lake at dawn' },
      oldPaths: ['/welcome/', '/welcome/amp/'],
      comments: [],
    });
    expect(welcome.publishedAt?.toISOString()).toBe('2024-05-01T09:30:00.000Z');
    expect(welcome.updatedAt?.toISOString()).toBe('2024-05-03T08:00:00.000Z');
    expect(welcome.warnings).toContain('The internal Ghost tag #hero was dropped.');
    expect(welcome.warnings).toContain("The feature image's caption was dropped.");
    expect(items.get('about')).toMatchObject({ kind: 'page', status: 'published', oldPaths: ['/about/'] });
  });

  it("uses Ghost's HTML, its placeholder made a site path and its cards' chrome removed", async () => {
    const { items } = await read('ghost-5.json');
    const welcome = items.get('welcome')!;
    const body = html(welcome);
    expect(body).toContain('<a href="/about/">our about page</a>');
    expect(body).not.toContain('__GHOST_URL__');
    expect(body).toContain('srcset="/content/images/size/w600/2024/05/lake.jpg 600w');
    // The bookmark is one link with its title; its description, icon and thumbnail are gone.
    expect(body).toMatch(
      /<a class="kg-bookmark-container" href="https:\/\/example.com\/article"><span[^>]*><span[^>]*>An article elsewhere<\/span><\/span><\/a>/,
    );
    expect(body).not.toContain('What it says.');
    expect(body).not.toContain('thumb.jpg');
    // The embedded frame and the audio player are links; the player's controls are gone.
    expect(body).toContain('<a href="https://www.youtube.com/embed/dQw4w9WgXcQ?feature=oembed">');
    expect(body).not.toContain('<iframe');
    expect(body).toContain('<a href="/content/media/2024/05/interview.mp3">');
    expect(body).toContain('The interview');
    expect(body).not.toMatch(/0:00|12:34|1×|<svg|<button|<input/);
    // The signup form and the script are dropped; what follows them is intact.
    expect(body).not.toMatch(/Subscribe|Sign up for|<form|<script|alert/);
    expect(body).toMatch(/<\/div><p>Raw HTML card\.<\/p>$/);
    expect(body).not.toContain('quire-drop');
    expect(welcome.warnings).toEqual(
      expect.arrayContaining([
        'An embed became a link to what it showed.',
        'A bookmark card became a plain link.',
        'An audio, video or file card became a link to its file.',
        'The Ghost signup card was dropped.',
      ]),
    );
  });

  it('renders a post Ghost left without HTML from its Lexical document', async () => {
    const { items } = await read('ghost-5.json');
    const item = items.get('written-in-lexical')!;
    const body = html(item);
    expect(body).toContain('<h2>Getting started</h2>');
    expect(body).toContain(
      '<p>Plain, <strong>bold</strong>, <em>italic</em>, <s>struck</s>, <u>underlined</u>, <code>code</code> and <strong><em>bold italic</em></strong>.</p>',
    );
    expect(body).toContain('<a href="/welcome/">another post</a> and a line<br />break.');
    expect(body).toContain('<ul><li>First</li><li><ul><li>Nested</li></ul></li></ul><ol><li>One</li><li>Two</li></ol>');
    expect(body).toContain('<blockquote>A quote worth keeping.</blockquote><hr />');
    expect(body).toMatch(
      /<figure><img src="\/content\/images\/2024\/05\/lake.jpg" alt="A lake" \/><figcaption>.*The lake at noon.*<\/figcaption><\/figure>/,
    );
    expect(body).toContain('<pre><code class="language-javascript">if (a &lt; b) {\n  return "x";\n}</code></pre>');
    expect(body).toContain('<p>Some <em>markdown</em> with a <a href="https://example.com/">link</a>.</p>');
    expect(body).toContain('<table><tr><td>Raw cell</td></tr></table>');
    expect(body).toContain('<p><a href="https://example.com/article">An article elsewhere</a></p>');
    expect(body).toContain('<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">A video</a></p>');
    expect(body).toMatch(/<blockquote><p dir="ltr">💡 <span[^>]*>Remember this.<\/span><\/p><\/blockquote>$/);
    expect(item.warnings).toEqual([
      'An embed became a link to what it showed.',
      'A bookmark card became a plain link.',
      'The Ghost cards signup, product were dropped.',
    ]);
  });

  it('keeps drafts and scheduled posts as they were, without old addresses', async () => {
    const { items } = await read('ghost-5.json');
    const draft = items.get('half-written-thoughts')!;
    expect(draft).toMatchObject({ status: 'draft', oldPaths: [], warnings: [] });
    expect(draft.publishedAt).toBeUndefined();
    const scheduled = items.get('coming-soon')!;
    expect(scheduled).toMatchObject({ status: 'scheduled', oldPaths: [] });
    expect(scheduled.publishedAt?.toISOString()).toBe('2030-01-01T08:00:00.000Z');
  });

  it('keeps members-only and paid posts as drafts, and email-only newsletters too, saying why', async () => {
    const { items } = await read('ghost-5.json');
    const members = items.get('for-members')!;
    expect(members.status).toBe('draft');
    expect(members.oldPaths).toEqual(['/for-members/', '/for-members/amp/']);
    expect(members.warnings).toEqual([expect.stringMatching(/^It was for members only on Ghost, so it is kept as a draft/)]);
    expect(items.get('paid-deep-dive')!.warnings).toEqual([expect.stringMatching(/^It was for paying members only on Ghost/)]);
    const sent = items.get('newsletter-12')!;
    expect(sent).toMatchObject({ status: 'draft', oldPaths: [] });
    expect(sent.warnings).toEqual([expect.stringMatching(/sent only as an email newsletter/)]);
  });

  it('is read once', async () => {
    const source = await openGhost(path.join(FIXTURES, 'ghost-5.json'), LATER());
    await all(source);
    await expect(all(source)).rejects.toThrow(/read once/);
  });
});

describe('a Ghost 4 export without HTML', () => {
  it('renders Mobiledoc: markups, soft returns, lists, image sections and cards', async () => {
    const { source, items } = await read('ghost-4.json');
    expect(source.site).toMatchObject({ title: 'Harbour Log', tagPaths: [{ path: '/tag/boats/', tag: 'Boats' }] });
    const item = items.get('harbour-notes')!;
    const body = html(item);
    expect(body).toMatch(
      /^<p>Opening with <strong><em>bold and italic<\/em> then bold only<\/strong>, a <a href="\/harbour-notes\/">link<\/a><br \/><code>x &lt; y<\/code> unknown markup<\/p>/,
    );
    expect(body).toContain('<h2>A heading</h2><blockquote>Quoted.</blockquote>');
    expect(body).toContain('<ul><li>Apples</li><li><strong>Pears</strong></li></ul><ol><li>First</li><li>Second</li></ol>');
    expect(body).toContain(
      '<figure><img src="/content/images/2021/03/harbour.jpg" alt="The harbour" /><figcaption>Boats at rest</figcaption></figure>',
    );
    expect(body).toMatch(/<ul>\s*<li>from a markdown card<\/li>\s*<li>with <strong>two<\/strong> items<\/li>\s*<\/ul>/);
    expect(body).toContain('<div class="custom"><p>Raw HTML</p></div>');
    expect(body).toContain(
      '<figure><pre><code class="language-python">print(1 &lt; 2)</code></pre><figcaption>A snippet</figcaption></figure><hr />',
    );
    expect(body).toContain('<p><a href="https://twitter.com/ghost/status/1">A tweet</a></p>');
    expect(body).toContain('<p><a href="https://ghost.org/">Ghost</a></p>');
    expect(body).toContain('<figure><img src="/content/images/2021/03/section.jpg" alt="" /></figure><blockquote>An aside.</blockquote>');
    expect(body).not.toMatch(/Mug|<blink/);
    expect(item.warnings).toEqual([
      'An embed became a link to what it showed.',
      'A bookmark card became a plain link.',
      'The Ghost product card was dropped.',
    ]);
    expect(item.authors).toEqual(['Harbour Master', 'Deckhand']);
    expect(item.featureImage).toEqual({ url: 'https://old.example.org/content/images/2021/03/harbour.jpg' });
  });

  it("falls back on the post's author_id when posts_authors does not name one", async () => {
    const { items } = await read('ghost-4.json');
    expect(items.get('members-harbour')).toMatchObject({ authors: ['Harbour Master'], status: 'draft' });
    expect(items.get('contact')).toMatchObject({ kind: 'page', status: 'published', body: { html: '<p>Write to us.</p>' } });
  });
});

describe('an older Ghost export', () => {
  it('reads db as an object, page: true, millisecond and MySQL dates, and keeps a Markdown-only post as Markdown', async () => {
    const { source, items } = await read('ghost-1-db-object.json');
    expect(source.site.title).toBe('Old Blog');
    expect(source.site.warnings.join(' ')).toMatch(/older Ghost \(version 1\.25\.5\)/);
    const old = items.get('old-markdown')!;
    expect(old.body).toEqual({ markdown: 'An **old** post with ![a picture](/content/images/2017/11/pic.png)' });
    expect(old.publishedAt?.getTime()).toBe(1509950000000);
    expect(old.updatedAt?.toISOString()).toBe('2017-11-06T20:00:00.000Z');
    expect(old.featureImage).toEqual({ url: '/content/images/2017/11/cover.png' });
    expect(old.authors).toEqual(['Old Timer']);
    expect(items.get('colophon')).toMatchObject({ kind: 'page', oldPaths: ['/colophon/'] });
  });

  it("uses the site's address, when the export has one, for Ghost's placeholder", async () => {
    const source = await openText(
      exportWith([post({ html: '<p><a href="__GHOST_URL__/x/">x</a></p>', feature_image: '__GHOST_URL__/content/images/a.jpg' })], {
        settings: [{ key: 'url', value: 'https://blog.example.com/' }],
      }),
    );
    expect(source.site.url).toBe('https://blog.example.com');
    const [item] = await all(source);
    expect(html(item)).toBe('<p><a href="https://blog.example.com/x/">x</a></p>');
    expect(item!.featureImage).toEqual({ url: 'https://blog.example.com/content/images/a.jpg' });
  });
});

describe('refusals', () => {
  it('names the line and column of broken JSON', async () => {
    const broken = '{\n  "db": [\n    {\n      "meta": {},\n      "data": { "posts": [ } ] }\n    }\n  ]\n}\n';
    await expect(openText(broken)).rejects.toThrow('This Ghost export is not valid JSON: unexpected character "}" at line 5, column 28.');
    await expect(openText('{\n  "db": [\n    {"a": tru}\n  ]\n}')).rejects.toThrow(/at line 3, column 11\.$/);
    await expect(openText('{"db": [1, 2,]}')).rejects.toThrow(/unexpected character "\]" at line 1, column 14\./);
    await expect(openText('{"db": [{"meta": "open string\n"}]}')).rejects.toThrow(/a control character .* at line 1, column 30\./);
    await expect(openText('{"db": [')).rejects.toThrow(/the file ends too early at line 1, column 9\./);
  });

  it('says what is missing or wrong in the shape', async () => {
    await expect(openText({ db: [{ meta: {}, data: { tags: [] } }] })).rejects.toThrow(
      'This Ghost export has no posts list (db[0].data.posts).',
    );
    await expect(openText({ db: [{ meta: {} }] })).rejects.toThrow('This Ghost export has no data object (db[0].data).');
    await expect(openText({ db: [] })).rejects.toThrow('This Ghost export has an empty db list.');
    await expect(openText([{ posts: [] }])).rejects.toThrow(/^This file is not a Ghost export/);
    await expect(openText(exportWith([post({ status: 7 })]))).rejects.toThrow(
      'This Ghost export has an unexpected value at db[0].data.posts[0].status (expected string).',
    );
    await expect(openText(exportWith([post({})], { posts_tags: [{ post_id: 'p1' }] }))).rejects.toThrow(
      'This Ghost export has no "tag_id" field (db[0].data.posts_tags[0].tag_id).',
    );
  });

  it('refuses editor data nested deeper than a post can be, naming the post', async () => {
    // Written out by hand: JSON.stringify itself recurses.
    const depth = 100_000;
    const text = '{"type":"extended-text","text":"deep","format":0}';
    const lexical = `{"root":{"type":"root","children":[${'{"type":"paragraph","children":['.repeat(depth)}${text}${']}'.repeat(depth)}]}}`;
    const source = await openText(exportWith([post({ title: 'Too deep', lexical })]));
    await expect(all(source)).rejects.toThrow(
      'The post "Too deep" nests more than 64 levels deep in its editor data; nothing was imported.',
    );

    // Nesting the first check lets through is still stopped by the renderer's own bound.
    const nested = (levels: number) =>
      `{"root":{"type":"root","children":[${'{"type":"quote","children":['.repeat(levels)}{"type":"text","text":"fine"}${']}'.repeat(levels)}]}}`;
    const edge = await openText(exportWith([post({ title: 'Edge', lexical: nested(65) })]));
    await expect(all(edge)).rejects.toThrow(/^The post "Edge" nests more than 64 levels deep/);

    // Just under the bound renders.
    let shallow: unknown = { type: 'extended-text', text: 'fine', format: 0 };
    for (let i = 0; i < 60; i++) shallow = { type: 'quote', children: [shallow] };
    const ok = await openText(exportWith([post({ lexical: JSON.stringify({ root: { type: 'root', children: [shallow] } }) })]));
    expect(html((await all(ok))[0])).toContain('fine');

    // Mobiledoc nests through markups opened and never closed.
    const mobiledoc = JSON.stringify({
      version: '0.3.1',
      atoms: [],
      cards: [],
      markups: [['strong']],
      sections: [[1, 'p', [[0, Array(1000).fill(0), 0, 'x']]]],
    });
    const marked = await openText(exportWith([post({ title: 'Marked up', mobiledoc })]));
    await expect(all(marked)).rejects.toThrow(/^The post "Marked up" nests more than 64 levels deep/);
  });

  it('refuses a post longer than the body limit, before reading any post', async () => {
    const long = `<p>${'a'.repeat(2_000_001)}</p>`;
    await expect(
      openText(exportWith([post({ title: 'Short' }), post({ id: 'p2', title: 'Epic', type: 'page', html: long })])),
    ).rejects.toThrow('The page "Epic" is longer than 2,000,000 characters; nothing was imported.');
  });

  it('refuses a Mobiledoc card repeated until the post is too long', async () => {
    const mobiledoc = JSON.stringify({
      version: '0.3.1',
      atoms: [],
      cards: [['html', { html: 'x'.repeat(10_000) }]],
      markups: [],
      sections: Array(300).fill([10, 0]),
    });
    const source = await openText(exportWith([post({ title: 'Echo', mobiledoc })]));
    await expect(all(source)).rejects.toThrow(/^The post "Echo" is longer than 2,000,000 characters once rendered/);
    // Editor data may be longer than the limit; the text it holds may not.
    const lexical = JSON.stringify({ root: { type: 'root', children: [{ type: 'markdown', markdown: 'm'.repeat(2_000_001) }] } });
    const markdown = await openText(exportWith([post({ title: 'Wall', lexical })]));
    await expect(all(markdown)).rejects.toThrow(/^The post "Wall" is longer than 2,000,000 characters/);
  });

  it('refuses editor data that is not JSON, and more posts than an import takes', async () => {
    const source = await openText(exportWith([post({ title: 'Garbled', lexical: '{"root": ' })]));
    await expect(all(source)).rejects.toThrow('The post "Garbled" has Lexical editor data that is not valid JSON; nothing was imported.');
    const many = Array.from({ length: 20_001 }, (_, i) => ({ id: String(i), slug: `p${i}`, status: 'draft' }));
    await expect(openText(exportWith(many))).rejects.toThrow(/has more than 20,000 posts and pages/);
  });

  it('refuses a file too large to parse whole, before reading it', async () => {
    const file = path.join(dir, 'huge.json');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, GHOST_JSON_MAX_BYTES + 1); // sparse: no disk used
    await expect(openGhost(file, LATER())).rejects.toThrow('This Ghost export is larger than 256 MB, more than Quire reads in one piece.');
  });

  it('stops once past its deadline', async () => {
    await expect(openGhost(path.join(FIXTURES, 'ghost-5.json'), Date.now() - 1)).rejects.toThrow(/took too long/);
  });
});

describe('a zip with the content folder', () => {
  const cover = Buffer.from('cover-bytes');
  const lake = Buffer.from('lake-bytes');
  const audio = Buffer.from('audio-bytes');

  async function zip(entries: Record<string, Buffer>): Promise<string> {
    const file = path.join(dir, `export-${written++}.zip`);
    const out = new yazl.ZipFile();
    for (const [name, bytes] of Object.entries(entries)) out.addBuffer(bytes, name);
    out.end();
    await new Promise<void>((resolve, reject) => {
      out.outputStream.pipe(fs.createWriteStream(file)).on('close', resolve).on('error', reject);
    });
    return file;
  }

  it('gives the bytes of the images it holds, by placeholder, site path, resized copy or absolute URL', async () => {
    const json = fs.readFileSync(path.join(FIXTURES, 'ghost-5.json'));
    const file = await zip({
      'field-notes/field-notes.ghost.2024-05-30.json': json,
      'field-notes/content/images/2024/05/cover.jpg': cover,
      'field-notes/content/media/2024/05/interview.mp3': audio,
      'images/2024/05/lake.jpg': lake,
      // Past QUIRE_MEDIA_MAX_MB (10 MB by default): left where it was, not a failed import.
      'field-notes/content/media/2024/05/film.mp4': Buffer.alloc(11 * 1024 * 1024),
    });
    const archive = await openArchive(file, 64 * 1024 * 1024);
    const source = await openGhostArchive(archive, 'field-notes/field-notes.ghost.2024-05-30.json', LATER());
    const items = await all(source);
    const welcome = items[0]!;
    const localFile = source.localFile!;
    expect(await localFile(welcome.featureImage!.url, welcome)).toEqual(cover);
    expect(await localFile('__GHOST_URL__/content/images/2024/05/cover.jpg', welcome)).toEqual(cover);
    expect(await localFile('https://fieldnotes.example/content/images/2024/05/cover.jpg?v=2', welcome)).toEqual(cover);
    expect(await localFile('/content/images/size/w600/2024/05/lake.jpg', welcome)).toEqual(lake);
    expect(await localFile('/content/images/2024/05/lake.jpg', welcome)).toEqual(lake);
    expect(await localFile('/content/media/2024/05/interview.mp3', welcome)).toEqual(audio);
    expect(await localFile('/content/images/2024/05/missing.jpg', welcome)).toBeUndefined();
    expect(await localFile('/content/images/../images/2024/05/cover.jpg', welcome)).toBeUndefined();
    expect(await localFile('/favicon.ico', welcome)).toBeUndefined();
    expect(await localFile('data:image/png;base64,AAAA', welcome)).toBeUndefined();
    expect(await localFile('/content/media/2024/05/film.mp4', welcome)).toBeUndefined();
    await source.close();
  });

  it("takes absolute URLs only from the site's own host when the export names it", async () => {
    const json = JSON.stringify(
      exportWith([post({ html: '<p>x</p>', feature_image: '__GHOST_URL__/content/images/a.jpg' })], {
        settings: [{ key: 'url', value: 'https://blog.example.com' }],
      }),
    );
    const file = await zip({ 'export.json': Buffer.from(json), 'content/images/a.jpg': cover });
    const archive = await openArchive(file, 10 * 1024 * 1024);
    const source = await openGhostArchive(archive, 'export.json', LATER());
    const [item] = await all(source);
    expect(item!.featureImage!.url).toBe('https://blog.example.com/content/images/a.jpg');
    expect(await source.localFile!(item!.featureImage!.url, item!)).toEqual(cover);
    expect(await source.localFile!('https://elsewhere.example/content/images/a.jpg', item!)).toBeUndefined();
    await source.close();
  });

  it('refuses a zip without the named JSON', async () => {
    const file = await zip({ 'content/images/a.jpg': cover });
    const archive = await openArchive(file, 10 * 1024 * 1024);
    try {
      await expect(openGhostArchive(archive, 'export.json', LATER())).rejects.toThrow('This zip file has no export.json.');
    } finally {
      archive.close();
    }
  });
});

describe('cleaning hostile HTML', () => {
  it("keeps every other element's own closing tag after dropped chrome, however it nests", async () => {
    const body =
      '<figure class="kg-card kg-video-card"><div class="kg-video-container"><video src="/content/media/v.mp4"></video>' +
      '<div class="kg-video-overlay"><div class="kg-video-overlay"><button>▶</button></div><em>inner</em></div>' +
      '<div class="kg-video-player-container"><span>0:00</span></div><p>after</p></div></figure><section><h3>next</h3></section>';
    const source = await openText(exportWith([post({ html: body })]));
    const [item] = await all(source);
    expect(html(item)).toBe(
      '<figure class="kg-card kg-video-card"><div class="kg-video-container"><a href="/content/media/v.mp4">/content/media/v.mp4</a><p>after</p></div></figure><section><h3>next</h3></section>',
    );
  });
});
