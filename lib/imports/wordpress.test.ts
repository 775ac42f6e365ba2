import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '@/lib/input';
import { IMPORT_TOO_LONG } from '@/lib/workers/deadline';
import { IMPORT_LIMITS, type ImportedItem, type ImportSource } from './source';
import { openWordPress } from './wordpress';

const FIXTURES = path.join(__dirname, 'fixtures', 'wordpress');
const fixture = (name: string) => path.join(FIXTURES, name);
const soon = () => Date.now() + 60_000;

const DTD_REFUSED = 'This file has a DTD (<!DOCTYPE>), which a WordPress export never has; it was not imported.';
const NOT_WXR =
  'This file is not a WordPress export: it has no RSS <channel> with a wp:wxr_version, as Tools → Export in WordPress writes.';

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-wxr-'));
});
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function readAll(source: ImportSource): Promise<ImportedItem[]> {
  const items: ImportedItem[] = [];
  for await (const item of source.items()) items.push(item);
  await source.close();
  return items;
}

async function refusal(file: string, deadlineAt = soon()): Promise<InputError> {
  const error = await openWordPress(file, deadlineAt).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

type TestItem = { id: number; title?: string; content?: string; type?: string; status?: string; extra?: string };

/** A small WXR 1.2 around the given items, as WordPress writes it. */
function wxr(items: (TestItem | string)[], head = ''): string {
  return `<?xml version="1.0" encoding="UTF-8" ?>
${head}<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>Test</title>
	<link>https://test.example.org</link>
	<wp:wxr_version>1.2</wp:wxr_version>
${items.map((item) => (typeof item === 'string' ? item : itemXml(item))).join('')}</channel>
</rss>
`;
}

function itemXml({ id, title = `Post ${id}`, content = '', type = 'post', status = 'publish', extra = '' }: TestItem): string {
  return `	<item>
		<title><![CDATA[${title}]]></title>
		<link>https://test.example.org/post-${id}/</link>
		<dc:creator><![CDATA[admin]]></dc:creator>
		<guid isPermaLink="false">https://test.example.org/?p=${id}</guid>
		<content:encoded><![CDATA[${content}]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>${id}</wp:post_id>
		<wp:post_date><![CDATA[2024-01-02 03:04:05]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[2024-01-02 03:04:05]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[post-${id}]]></wp:post_name>
		<wp:status><![CDATA[${status}]]></wp:status>
		<wp:post_type><![CDATA[${type}]]></wp:post_type>
		<wp:post_password><![CDATA[]]></wp:post_password>
${extra}	</item>
`;
}

function comment(id: number, text = 'Nice.'): string {
  return `		<wp:comment><wp:comment_id>${id}</wp:comment_id><wp:comment_author><![CDATA[Reader ${id}]]></wp:comment_author><wp:comment_author_url></wp:comment_author_url><wp:comment_date_gmt><![CDATA[2024-01-03 00:00:00]]></wp:comment_date_gmt><wp:comment_content><![CDATA[${text}]]></wp:comment_content><wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_type><![CDATA[comment]]></wp:comment_type></wp:comment>
`;
}

function write(name: string, text: string | Buffer): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, text);
  return file;
}

async function onlyItem(content: string): Promise<ImportedItem> {
  const items = await readAll(await openWordPress(write(`one-${Math.random()}.xml`, wxr([{ id: 1, content }])), soon()));
  expect(items).toHaveLength(1);
  return items[0]!;
}

describe('openWordPress: a WXR 1.2 export from WordPress 6', () => {
  let source: ImportSource;
  let items: ImportedItem[];
  const byId = (id: string) => items.find((item) => item.sourceId === id)!;

  beforeAll(async () => {
    source = await openWordPress(fixture('site-wxr-1.2.xml'), soon());
    items = await readAll(source);
  });

  it('describes the site: title, tagline, address', () => {
    expect(source.kind).toBe('wordpress');
    expect(source.site.title).toBe('Café Notes');
    expect(source.site.description).toBe('Coffee, travel & the odd recipe');
    expect(source.site.url).toBe('https://cafe.example.org/');
  });

  it('maps the old category and tag addresses (nested categories too) to tag names, leaving out Uncategorized', () => {
    expect(source.site.tagPaths).toEqual(
      expect.arrayContaining([
        { path: '/category/news/', tag: 'News & Updates' },
        { path: '/?cat=2', tag: 'News & Updates' },
        { path: '/category/travel/', tag: 'Travel' },
        { path: '/category/travel/italy/', tag: 'Italy' },
        { path: '/category/italy/', tag: 'Italy' },
        { path: '/tag/coffee/', tag: 'Coffee' },
        { path: '/?tag=coffee', tag: 'Coffee' },
        { path: '/tag/%e6%97%a5%e6%9c%ac/', tag: '日本' },
      ]),
    );
    expect(source.site.tagPaths.some(({ path }) => path.includes('uncategorized') || path === '/?cat=1')).toBe(false);
  });

  it('counts what it leaves out of the whole export in the site’s warnings', () => {
    expect(source.site.warnings).toEqual([
      '1 post or page in WordPress’s trash was not imported.',
      '1 auto-draft (a draft WordPress started by itself) was not imported.',
      '3 items of other kinds than posts and pages were not imported: product (2), portfolio (1).',
      'The navigation menus (1 link) were not imported; set up the blog’s navigation again.',
    ]);
  });

  it('gives posts and pages in the export’s order, without attachments, menus, trash, auto-drafts or other kinds', () => {
    expect(items.map((item) => [item.sourceId, item.kind, item.status])).toEqual([
      ['10', 'post', 'published'],
      ['11', 'post', 'published'],
      ['12', 'page', 'published'],
      ['13', 'post', 'draft'],
      ['14', 'post', 'scheduled'],
      ['15', 'post', 'private'],
      ['24', 'post', 'draft'],
      ['25', 'post', 'draft'],
      ['26', 'post', 'published'],
    ]);
  });

  it('reads a classic post’s fields', () => {
    const post = byId('10');
    expect(post.title).toBe('Hello, world — “Café” & friends');
    expect(post.slug).toBe('hello-world');
    expect(post.publishedAt).toEqual(new Date('2024-05-01T09:00:00Z'));
    expect(post.updatedAt).toEqual(new Date('2024-05-03T12:15:00Z'));
    expect(post.excerpt).toBe('A short excerpt & more');
    // Categories and tags by name; not Uncategorized, not the post format.
    expect(post.tags).toEqual(['Italy', 'News & Updates', 'Coffee', '日本']);
    expect(post.authors).toEqual(['Jane Doe']);
    // The attachment comes after the post in the file: the first pass found it.
    expect(post.featureImage).toEqual({
      url: 'https://cafe.example.org/wp-content/uploads/2024/05/espresso.jpg',
      alt: 'A cup of espresso on a marble table',
    });
    expect(post.oldPaths).toEqual(['/2024/05/hello-world/', '/?p=10']);
  });

  it('keeps approved comments only, with their author, address and date, and counts the others', () => {
    const post = byId('10');
    expect(post.comments).toEqual([
      {
        sourceId: '1',
        authorName: 'A WordPress Commenter',
        authorUrl: 'https://wordpress.org/',
        body: 'Hi, this is a comment.\nTo get started with moderating, editing, and deleting comments, please visit the Comments screen in the dashboard.',
        createdAt: new Date('2024-05-01T11:20:00Z'),
      },
      // A javascript: address is dropped; the name's entity is read.
      { sourceId: '2', authorName: 'Léa & Tom', body: 'Lovely <em>crema</em>! Où était-ce ?', createdAt: new Date('2024-05-02T06:05:09Z') },
    ]);
    expect(post.warnings).toContain('3 comments that were spam, in the trash or not approved were left out.');
    expect(post.warnings).toContain('1 pingback or trackback was left out.');
  });

  it('gives a classic post its paragraphs and turns its shortcodes into HTML', () => {
    const { html } = byId('10').body as { html: string };
    expect(html).toContain('<p>Welcome to <strong>Café Notes</strong>! This is the first post — with “smart quotes” and ünïcödé.</p>');
    expect(html).toContain('<p>A second paragraph<br />\nwith a line break.</p>');
    expect(html).toContain(
      '<figure><a href="https://cafe.example.org/wp-content/uploads/2024/05/espresso.jpg"><img class="size-large wp-image-20" src="https://cafe.example.org/wp-content/uploads/2024/05/espresso-1024x683.jpg" alt="A cup of espresso on a marble table" width="800" height="533" /></a><figcaption>Our first espresso, Rome</figcaption></figure>',
    );
    expect(html).toContain(
      '<p><img src="https://cafe.example.org/wp-content/uploads/2024/05/cornetto.jpg" alt="A cornetto &#38; a cappuccino"></p>',
    );
    expect(html).toContain('<p><img src="https://cafe.example.org/wp-content/uploads/2024/05/cappuccino.jpg" alt=""></p>');
    expect(html).toContain('<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></p>');
    expect(html).toContain('<p><a href="https://vimeo.com/76979871">https://vimeo.com/76979871</a></p>');
    expect(html).toContain('<p>Remember to tip your barista.</p>');
    expect(html).toContain('<p>To show a gallery, type [gallery] in the editor. Prices are [sic] in euros.</p>');
    expect(html).toContain('<pre>line one\n\nline three &lt;b&gt;</pre>');
    expect(html).not.toMatch(/contact-form|su_note|<!--more-->|\[caption|\[embed/);
    expect(byId('10').warnings).toEqual(
      expect.arrayContaining([
        '2 embeds became links to what they showed: https://www.youtube.com/watch?v=dQw4w9WgXcQ, https://vimeo.com/76979871.',
        'The [gallery] shortcode became its 2 images.',
        'The shortcodes [contact-form-7], [su_note] were removed, keeping any text inside.',
      ]),
    );
  });

  it('strips a block post’s delimiters, keeps its HTML as it is, and says what had no HTML', () => {
    const post = byId('11');
    const { html } = post.body as { html: string };
    expect(html).not.toContain('<!--');
    expect(html).toContain('<p>Block editor post with a <a href="https://example.com/">link</a>.</p>');
    expect(html).toContain('<h3 class="wp-block-heading">A heading</h3>');
    expect(html).toContain('<figcaption class="wp-element-caption">Espresso</figcaption></figure>');
    expect(html).toContain(
      '<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></p><p>Never gonna give you up</p>',
    );
    // The export splits "]]>" over two CDATA sections; brackets in code are not shortcodes.
    expect(html).toContain('<code>if (a[b[0]]> c) { return "[sic]"; }</code>');
    expect(html).toContain('<li>Ristretto</li>');
    // No autop for blocks: their HTML is complete.
    expect(html).not.toContain('<br />');
    expect(post.authors).toEqual(['Zoë Müller']);
    expect(post.tags).toEqual([]);
    expect(post.warnings).toEqual([
      'The “latest-posts” block has no content of its own (WordPress makes it as the page is shown), so it was left out.',
      'A reusable block (synced pattern) was left out: the export keeps its content apart from the post.',
      'An embed became a link to what it showed: https://www.youtube.com/watch?v=dQw4w9WgXcQ.',
    ]);
  });

  it('reads a page with its page_id address', () => {
    const page = byId('12');
    expect(page.title).toBe('About');
    expect(page.oldPaths).toEqual(['/about/', '/?p=12', '/?page_id=12']);
    expect(page.body).toEqual({
      html: '<p>We are a small café blog in Rome.</p>\n<p>Write to us at <a href="mailto:hello@cafe.example.org">hello@cafe.example.org</a>.</p>',
    });
  });

  it('keeps a draft without a slug, a publication date or old addresses', () => {
    const draft = byId('13');
    expect(draft.slug).toBe('');
    expect(draft.publishedAt).toBeUndefined();
    expect(draft.updatedAt).toEqual(new Date('2024-05-21T08:00:00Z'));
    expect(draft.oldPaths).toEqual([]);
    expect(draft.tags).toEqual(['Travel']);
    expect(draft.warnings).toEqual([]);
  });

  it('schedules a future post at its UTC date', () => {
    expect(byId('14').publishedAt).toEqual(new Date('2030-01-01T09:00:00Z'));
    expect(byId('14').oldPaths).toEqual([]);
  });

  it('says what happens to private, pending and password-protected posts', () => {
    expect(byId('15')).toMatchObject({ status: 'private', warnings: [] });
    expect(byId('15').oldPaths).toEqual([]);
    expect(byId('24').warnings).toEqual(['It was pending review on WordPress; it is a draft.']);
    expect(byId('25').warnings).toEqual([
      'It was protected by a password on WordPress; it is kept as a draft, since the password is not imported.',
    ]);
  });

  it('reads a date with no time zone as UTC, decodes a non-ASCII slug and names a missing featured image', () => {
    const post = byId('26');
    expect(post.publishedAt).toEqual(new Date('2019-03-01T12:00:00Z'));
    expect(post.slug).toBe('日本のコーヒー');
    expect(post.oldPaths).toEqual(['/2019/03/%e6%97%a5%e6%9c%ac%e3%81%ae%e3%82%b3%e3%83%bc%e3%83%92%e3%83%bc/', '/?p=26']);
    expect(post.featureImage).toBeUndefined();
    // An author the export does not list keeps their login.
    expect(post.authors).toEqual(['someone-gone']);
    expect(post.warnings).toEqual([
      'Its date had no time zone in the export, so it was read as UTC.',
      'Its featured image (attachment 99) is not in the export.',
    ]);
  });

  it('reads the export once', async () => {
    await expect(async () => {
      for await (const item of source.items()) void item;
    }).rejects.toThrow('once');
  });
});

describe('openWordPress: a WXR 1.1 export from WordPress 3.5', () => {
  it('reads titles, dates and comments written without CDATA, and drops the default tagline', async () => {
    const source = await openWordPress(fixture('minimal-wxr-1.1.xml'), soon());
    expect(source.site).toEqual({
      title: 'Old Garden Diary',
      url: 'http://garden.example.com/',
      tagPaths: [
        { path: '/category/roses/', tag: 'Roses' },
        { path: '/?cat=3', tag: 'Roses' },
      ],
      warnings: [],
    });
    const items = await readAll(source);
    expect(items).toEqual([
      {
        kind: 'post',
        sourceId: '7',
        title: 'Pruning roses in February',
        slug: 'pruning-roses',
        status: 'published',
        publishedAt: new Date('2013-02-10T15:04:00Z'),
        body: { html: '<p>Cut just above an outward-facing bud.</p>\n<p>Wear gloves & take your time.</p>' },
        tags: ['Roses'],
        authors: ['Tom Gardener'],
        oldPaths: ['/2013/02/pruning-roses/', '/?p=7'],
        comments: [
          {
            sourceId: '3',
            authorName: 'Mary',
            authorUrl: 'http://mary.example.net/',
            body: 'Thanks, very useful.',
            createdAt: new Date('2013-02-11T08:00:00Z'),
          },
        ],
        warnings: [],
      },
    ]);
  });
});

describe('openWordPress: shortcodes and blocks of plugins, WordPress.com and older sites', () => {
  const attachment = (id: number, name: string, alt = '') =>
    itemXml({
      id,
      type: 'attachment',
      status: 'inherit',
      extra: `		<wp:post_parent>5</wp:post_parent>
		<wp:attachment_url><![CDATA[https://test.example.org/uploads/${name}]]></wp:attachment_url>
		<wp:postmeta><wp:meta_key><![CDATA[_wp_attachment_image_alt]]></wp:meta_key><wp:meta_value><![CDATA[${alt}]]></wp:meta_value></wp:postmeta>
`,
    });

  it('fills [gallery] with no ids from the post’s own attachments, and links [video], [youtube=…] and legacy embed blocks', async () => {
    const classic = [
      '[gallery columns="3"]',
      '[gallery ids="31,99"]',
      '[gallery ids="98"]',
      '[video width="640" mp4="https://test.example.org/uploads/clip.mp4"][/video]',
      '[audio]',
      '[youtube=https://www.youtube.com/watch?v=abc123&w=640]',
      '[caption width="300" caption="Old style caption"]<img src="https://test.example.org/uploads/a.jpg" alt="A" />[/caption]',
      'Page one<!--nextpage-->Page two',
    ].join('\n\n');
    const blocks =
      '<!-- wp:core-embed/twitter {"providerNameSlug":"twitter"} -->\n<figure class="wp-block-embed-twitter wp-block-embed"><div class="wp-block-embed__wrapper">\nhttps://twitter.com/WordPress/status/1\n</div></figure>\n<!-- /wp:core-embed/twitter -->\n\n<!-- wp:archives /-->\n\n<!-- wp:query {"queryId":1} --><div class="wp-block-query"><!-- wp:post-title /--></div><!-- /wp:query -->\n\n<!-- wp:group --><div class="wp-block-group"></div><!-- /wp:group -->';
    const items = await readAll(
      await openWordPress(
        write(
          'shortcodes.xml',
          wxr([attachment(31, 'one.jpg', 'First'), { id: 5, content: classic }, attachment(32, 'two.jpg'), { id: 6, content: blocks }]),
        ),
        soon(),
      ),
    );
    const [classicPost, blockPost] = items;
    const classicHtml = (classicPost!.body as { html: string }).html;
    expect(classicHtml).toContain(
      '<p><img src="https://test.example.org/uploads/one.jpg" alt="First"></p>\n<p><img src="https://test.example.org/uploads/two.jpg" alt=""></p>',
    );
    expect(classicHtml).toContain(
      '<p><a href="https://test.example.org/uploads/clip.mp4">https://test.example.org/uploads/clip.mp4</a></p>',
    );
    expect(classicHtml).toContain('<a href="https://www.youtube.com/watch?v=abc123&#38;w=640">');
    expect(classicHtml).toContain(
      '<figure><img src="https://test.example.org/uploads/a.jpg" alt="A" /><figcaption>Old style caption</figcaption></figure>',
    );
    expect(classicHtml).toContain('<p>Page onePage two</p>');
    expect(classicHtml).not.toContain('[');
    expect(classicPost!.warnings).toEqual([
      'An embed became a link to what it showed: https://www.youtube.com/watch?v=abc123&w=640.',
      'Its page breaks (<!--nextpage-->) were removed: it is one page now.',
      'The [gallery] shortcode became its 2 images.',
      'The [gallery] shortcode became its 1 image (1 more is not in the export).',
      'The [gallery] shortcode was removed: its images are not in the export.',
      'The [video] shortcode became a link to its file (https://test.example.org/uploads/clip.mp4).',
      'The [audio] shortcode was removed: it names no file.',
    ]);
    const blockHtml = (blockPost!.body as { html: string }).html;
    expect(blockHtml).toContain('<p><a href="https://twitter.com/WordPress/status/1">https://twitter.com/WordPress/status/1</a></p>');
    expect(blockHtml).toContain('<div class="wp-block-query"></div>');
    expect(blockPost!.warnings).toEqual([
      'The “archives”, “post-title” blocks have no content of their own (WordPress makes them as the page is shown), so they were left out.',
      'An embed became a link to what it showed: https://twitter.com/WordPress/status/1.',
    ]);
  });
});

describe('openWordPress: hostile and wrong files', () => {
  it('refuses a billion-laughs file at its DTD, at once and without expanding anything', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    expect((await refusal(fixture('billion-laughs.xml'))).message).toBe(DTD_REFUSED);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
  });

  it('refuses an external entity (XXE) at its DTD: no file is read', async () => {
    const started = performance.now();
    const error = await refusal(fixture('xxe.xml'));
    expect(error.message).toBe(DTD_REFUSED);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses a DTD that comes after long comments, and a huge internal subset, quickly', async () => {
    const comments = `<!-- ${'x'.repeat(100_000)} -->\n`;
    expect(
      (await refusal(write('late-dtd.xml', `<?xml version="1.0"?>\n${comments}<!DOCTYPE rss [ <!ENTITY a "b"> ]>\n<rss/>`))).message,
    ).toBe(DTD_REFUSED);
    const subset = `<!ENTITY e "${'y'.repeat(1000)}">\n`.repeat(20_000);
    const started = performance.now();
    expect((await refusal(write('big-dtd.xml', `<?xml version="1.0"?>\n<!DOCTYPE rss [\n${subset}]>\n<rss/>`))).message).toBe(DTD_REFUSED);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('does not mistake a post about HTML, in the first bytes of the file, for a DTD', async () => {
    const item = await onlyItem('<pre><code>&lt;!DOCTYPE html&gt;</code></pre>\n\nAnd a raw <!DOCTYPE html> too.');
    expect(item.body).toEqual({ html: '<pre><code>&lt;!DOCTYPE html&gt;</code></pre>\n<p>And a raw <!DOCTYPE html> too.</p>' });
  });

  it('names the line of an undefined entity', async () => {
    expect((await refusal(fixture('undefined-entity.xml'))).message).toBe('This file is not valid XML (line 7: undefined entity).');
  });

  it('names the line where a malformed file goes wrong', async () => {
    expect((await refusal(fixture('malformed.xml'))).message).toBe('This file is not valid XML (line 14: unexpected close tag).');
  });

  it('refuses an RSS feed that is not a WordPress export, and a file that is not XML', async () => {
    expect((await refusal(fixture('not-wxr.xml'))).message).toBe(NOT_WXR);
    expect((await refusal(write('ghost.json', '{"db":[{"meta":{},"data":{}}]}'))).message).toBe(
      'This file is not a WordPress export: it is not XML.',
    );
    expect((await refusal(write('feed-no-version.xml', wxr([]).replace('<wp:wxr_version>1.2</wp:wxr_version>', '')))).message).toBe(
      NOT_WXR,
    );
  });

  it('refuses a text longer than saxes may hold, without holding it', async () => {
    const huge = 'z'.repeat(4 * IMPORT_LIMITS.bodyChars + 100_000);
    const error = await refusal(write('huge-text.xml', wxr([{ id: 1, content: huge }])));
    expect(error.message).toMatch(
      /^This file has a text or a tag longer than 8,000,000 characters \(from line \d+\), more than a WordPress export holds; it was not imported\.$/,
    );
  });

  it('refuses deep nesting and elements with very many attributes', async () => {
    const deep = `${'<a>'.repeat(40)}${'</a>'.repeat(40)}`;
    expect((await refusal(write('deep.xml', wxr([{ id: 1, extra: deep }])))).message).toMatch(
      /nests its elements more than 32 deep \(line \d+\)/,
    );
    const attributes = Array.from({ length: 100 }, (_, i) => `a${i}="1"`).join(' ');
    expect((await refusal(write('attributes.xml', wxr([{ id: 1, extra: `<x ${attributes}/>` }])))).message).toMatch(
      /an element with more than 64 attributes \(line \d+\)/,
    );
  });

  it('stops at its deadline with the import’s sentence', async () => {
    expect((await refusal(fixture('site-wxr-1.2.xml'), Date.now() - 1)).message).toBe(IMPORT_TOO_LONG);
  });

  it('refuses more posts and pages than one import takes', async () => {
    const many = Array.from({ length: IMPORT_LIMITS.items + 1 }, (_, i) => ({ id: i + 1 }));
    expect((await refusal(write('too-many.xml', wxr(many)))).message).toBe(
      'This export has more than 20,000 posts and pages, more than one import takes; nothing was imported.',
    );
  });
});

describe('openWordPress: bounds and leniency', () => {
  it('leaves out a post longer than the body limit, naming it, and imports the rest', async () => {
    const file = write(
      'long-post.xml',
      wxr([{ id: 1 }, { id: 2, title: 'Huge', content: 'w'.repeat(IMPORT_LIMITS.bodyChars + 1) }, { id: 3 }]),
    );
    const source = await openWordPress(file, soon());
    expect(source.site.warnings).toEqual(['“Huge” (post 2) was not imported: longer than 2,000,000 characters of HTML.']);
    expect((await readAll(source)).map((item) => item.sourceId)).toEqual(['1', '3']);
  });

  it('keeps the first 5,000 comments of a post and says how many more there were', async () => {
    const comments = Array.from({ length: IMPORT_LIMITS.commentsPerItem + 2 }, (_, i) => comment(i + 1)).join('');
    const items = await readAll(await openWordPress(write('comments.xml', wxr([{ id: 1, extra: comments }])), soon()));
    expect(items[0]!.comments).toHaveLength(IMPORT_LIMITS.commentsPerItem);
    expect(items[0]!.comments.at(-1)!.sourceId).toBe('5000');
    expect(items[0]!.warnings).toEqual(['2 comments past the first 5,000 were left out.']);
  });

  it('drops control characters WordPress leaves in pasted text instead of refusing the file', async () => {
    const item = await onlyItem('Tab\there, form feed\f and a vertical tab\v gone');
    expect(item.body).toEqual({ html: '<p>Tab\there, form feed and a vertical tab gone</p>' });
  });

  it('reads an export in ISO-8859-1, as old WordPress sites wrote them', async () => {
    const text = wxr([{ id: 1, title: 'Crème brûlée', content: 'Déjà vu' }]).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const items = await readAll(await openWordPress(write('latin1.xml', Buffer.from(text, 'latin1')), soon()));
    expect(items[0]!.title).toBe('Crème brûlée');
    expect(items[0]!.body).toEqual({ html: '<p>Déjà vu</p>' });
  });

  it('converts hostile bodies (brackets, comments, tags without ends) in linear time', async () => {
    const n = 400_000;
    const bodies = [
      '['.repeat(n),
      '[a'.repeat(n / 2),
      '[/a'.repeat(n / 3),
      '[[a]'.repeat(n / 4),
      '[caption]'.repeat(n / 9),
      `[x ${'a="b" '.repeat(n / 6)}`,
      '<!-- wp:a -->'.repeat(n / 13),
      '<!-- /wp:a -->'.repeat(n / 14),
      '<!-- wp:embed -->'.repeat(n / 17),
      '<!--'.repeat(n / 4),
      '<li'.repeat(n / 3),
      ' '.repeat(n) + 'x',
      '<pre>a</pre>\n'.repeat(n / 13),
      'https://youtu.be/x\n'.repeat(n / 19),
    ];
    const file = write('hostile-bodies.xml', wxr(bodies.map((content, i) => ({ id: i + 1, content }))));
    const started = performance.now();
    const items = await readAll(await openWordPress(file, soon()));
    expect(items).toHaveLength(bodies.length);
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});

describe('openWordPress: a large export', () => {
  const count = 3_000;
  let file: string;

  beforeAll(() => {
    file = path.join(scratch, 'large.xml');
    const paragraph = 'Lorem ipsum dolor sit amet, café con leche — consectetur adipiscing elit. '.repeat(20);
    const fd = fs.openSync(file, 'w');
    const [head, tail] = wxr([{ id: 0 }]).split(itemXml({ id: 0 }));
    fs.writeSync(fd, head!);
    for (let id = 1; id <= count; id++) {
      const content = Array.from({ length: 8 }, () => paragraph).join('\n\n');
      fs.writeSync(fd, itemXml({ id, content, extra: comment(id) }));
    }
    fs.writeSync(fd, tail!);
    fs.closeSync(fd);
  });

  it('streams every item without holding the file', async () => {
    const size = fs.statSync(file).size;
    expect(size).toBeGreaterThan(25 * 1024 * 1024);
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let seen = 0;
    const source = await openWordPress(file, soon());
    for await (const item of source.items()) {
      seen++;
      expect(item.comments).toHaveLength(1);
      if (seen % 10 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    await source.close();
    expect(seen).toBe(count);
    // The file is held neither as bytes nor as text (twice its size in memory).
    expect(peak - before).toBeLessThan(size / 2);
  });

  it('hands over items before it has read the end of the file', async () => {
    const copy = path.join(scratch, 'large-cut.xml');
    fs.copyFileSync(file, copy);
    const source = await openWordPress(copy, soon());
    // The first pass has read it all; now the end goes bad, so the second pass can only fail there.
    fs.truncateSync(copy, Math.floor(fs.statSync(copy).size * 0.8));
    const seen: string[] = [];
    const error = await (async () => {
      for await (const item of source.items()) seen.push(item.sourceId);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^This file is not valid XML \(line \d+: unclosed tag/);
    expect(seen.length).toBeGreaterThan(count * 0.7);
  });
});
