import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zipOf } from '@/lib/testing/zip';
import { openArchive } from '@/lib/uploads/archive';
import { openMarkdownFolder } from './markdown-folder';
import type { ImportedItem, ImportSource } from './source';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-markdown-folder-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let zips = 0;
async function open(files: Record<string, string | Buffer>): Promise<ImportSource> {
  const file = path.join(dir, `${++zips}.zip`);
  fs.writeFileSync(file, await zipOf(Object.entries(files).map(([name, data]) => [name, Buffer.from(data)])));
  return openMarkdownFolder(await openArchive(file, 64 * 1024 * 1024), Date.now() + 60_000);
}

async function itemsOf(source: ImportSource): Promise<Map<string, ImportedItem>> {
  const items = new Map<string, ImportedItem>();
  for await (const item of source.items()) items.set(item.sourceId, item);
  return items;
}

const markdownOf = (item: ImportedItem | undefined) => (item && 'markdown' in item.body ? item.body.markdown : undefined);
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('openMarkdownFolder: Jekyll', () => {
  const site = {
    '_config.yml': 'title: Field Notes\ndescription: Looking up.\nurl: "https://notes.example.org"\nbaseurl: ""\ntheme: minima\n',
    Gemfile: 'source "https://rubygems.org"\n',
    '_posts/2023-04-05-first-light.md': [
      '---',
      'layout: post',
      'title: "First light"',
      'date: 2023-04-05 21:10:00 +0200',
      'categories: Astro photos',
      'tags: [sky, moon]',
      'image: /assets/img/moon.png',
      'excerpt: The moon through a small lens.',
      'author: Ann Lee',
      'redirect_from: /first/',
      '---',
      '',
      '![Moon]({{ site.baseurl }}/assets/img/moon.png)',
      '',
      '![Sun]({{ "/assets/img/sun.png" | relative_url }})',
      '',
      '{% highlight ruby %}',
      'puts 1',
      '{% endhighlight %}',
      '',
    ].join('\n'),
    '_posts/2023-05-01-cloudy-nights.markdown': '---\nlayout: post\n---\n# Cloudy nights ##\n\nNothing to see.\n',
    '_drafts/next-steps.md': '---\ntitle: Next steps\n---\nA telescope.\n',
    '_posts/2023-06-01-not-yet.md': '---\ntitle: Not yet\npublished: false\n---\nSoon.\n',
    'about.md': '---\nlayout: page\ntitle: About\npermalink: /about/\n---\nI look up.\n',
    'tags.md': '---\nlayout: tags\ntitle: Tags\n---\n',
    'index.md': '---\nlayout: home\n---\n',
    'README.md': '# My Jekyll site\n',
    'notes/todo.md': '- buy a tripod\n',
    '_site/about/index.md': '---\ntitle: Built copy\n---\nx\n',
    'assets/img/moon.png': PNG,
  };

  it('reads posts, drafts and pages with their front matter, skipping what is not content', async () => {
    const source = await open(site);
    expect(source.kind).toBe('markdown');
    expect(source.site).toMatchObject({ title: 'Field Notes', description: 'Looking up.', url: 'https://notes.example.org' });
    const items = await itemsOf(source);
    expect([...items.keys()].sort()).toEqual([
      '_drafts/next-steps.md',
      '_posts/2023-04-05-first-light.md',
      '_posts/2023-05-01-cloudy-nights.markdown',
      '_posts/2023-06-01-not-yet.md',
      'about.md',
    ]);

    const light = items.get('_posts/2023-04-05-first-light.md')!;
    expect(light).toMatchObject({
      kind: 'post',
      title: 'First light',
      slug: 'first-light',
      status: 'published',
      publishedAt: new Date('2023-04-05T19:10:00Z'),
      excerpt: 'The moon through a small lens.',
      tags: ['sky', 'moon', 'Astro', 'photos'],
      authors: ['Ann Lee'],
      featureImage: { url: '/assets/img/moon.png' },
      oldPaths: ['/astro/photos/2023/04/05/first-light.html', '/astro/photos/2023/04/05/first-light/', '/first/'],
    });
    expect(markdownOf(light)).toMatch(/^!\[Moon\]\(\/assets\/img\/moon\.png\)\n\n!\[Sun\]\(\/assets\/img\/sun\.png\)\n/);
    expect(light.warnings).toEqual(['It uses template tags ({% … %}), which are kept as text.']);

    // No title in the front matter: the opening heading is the title, and leaves the text.
    const cloudy = items.get('_posts/2023-05-01-cloudy-nights.markdown')!;
    expect(cloudy).toMatchObject({ title: 'Cloudy nights', slug: 'cloudy-nights', publishedAt: new Date('2023-05-01T12:00:00Z') });
    expect(markdownOf(cloudy)).toBe('Nothing to see.\n');
    expect(cloudy.warnings).toEqual([]);

    expect(items.get('_drafts/next-steps.md')).toMatchObject({
      kind: 'post',
      status: 'draft',
      slug: 'next-steps',
      oldPaths: [],
      warnings: [],
    });
    expect(items.get('_posts/2023-06-01-not-yet.md')).toMatchObject({ status: 'draft', oldPaths: [] });
    expect(items.get('about.md')).toMatchObject({
      kind: 'page',
      title: 'About',
      slug: 'about',
      status: 'published',
      oldPaths: ['/about/'],
    });

    expect(source.site.warnings).toEqual([
      '1 Markdown file outside a posts folder and without a title was skipped (notes/todo.md).',
      '1 page without text (listings the generator fills in) was skipped (tags.md).',
      "The home page (index.md) was skipped: Quire's home lists your posts.",
    ]);
  });

  it('gives the bytes of images the zip carries, from the site root, through {{ site.baseurl }}', async () => {
    const source = await open(site);
    const light = (await itemsOf(source)).get('_posts/2023-04-05-first-light.md')!;
    expect(await source.localFile!('{{ site.baseurl }}/assets/img/moon.png', light)).toEqual(PNG);
    expect(await source.localFile!('/assets/img/moon.png?v=2', light)).toEqual(PNG);
    expect(await source.localFile!('../assets/img/moon.png', light)).toEqual(PNG);
    expect(await source.localFile!('https://notes.example.org/assets/img/moon.png', light)).toBeUndefined();
    expect(await source.localFile!('/assets/img/missing.png', light)).toBeUndefined();
    expect(await source.localFile!('../../../../etc/passwd', light)).toBeUndefined();
    await source.close();
  });

  it('follows the permalink style of _config.yml and its baseurl', async () => {
    const source = await open({
      '_config.yml': 'permalink: /:year/:title/\nbaseurl: /blog\n',
      '_posts/2022-12-31-last-day.md': '---\ntitle: Last day\n---\nBye.\n',
    });
    const [post] = (await itemsOf(source)).values();
    expect(post!.oldPaths).toEqual(['/blog/2022/last-day/']);
  });
});

describe('openMarkdownFolder: Hugo', () => {
  const site = {
    'my-garden/hugo.yaml':
      'baseURL: https://ann.github.io/garden/\ntitle: Ann’s garden\nparams:\n  description: Notes from the allotment.\n',
    'my-garden/archetypes/default.md': '---\ntitle: "{{ replace .Name "-" " " | title }}"\ndraft: true\n---\n',
    'my-garden/content/_index.md': '---\ntitle: Home\n---\nWelcome.\n',
    'my-garden/content/posts/hello-hugo.md': [
      '---',
      'title: Hello, Hugo',
      'date: 2024-01-02T10:00:00+01:00',
      'lastmod: 2024-02-01T00:00:00Z',
      'draft: false',
      'tags: [hugo, meta]',
      'categories: [blogging]',
      'aliases: [/old/hello/, /2024/hello.html]',
      'summary: A first post.',
      '---',
      'Hello! {{< youtube id="dQw4w9WgXcQ" >}}',
      '',
      '{{< figure src="/images/logo.png" alt="Our logo" caption="The [new] logo" >}}',
      '',
      '{{< gallery dir="/img/trip" />}}',
    ].join('\n'),
    'my-garden/content/posts/trip-to-oslo/index.md':
      '---\ntitle: Trip to Oslo\ndate: 2024-03-10\ncover:\n  image: harbour.jpg\n  alt: The harbour at dusk\n---\n![Harbour](harbour.jpg)\n',
    'my-garden/content/posts/trip-to-oslo/harbour.jpg': PNG,
    'my-garden/content/posts/toml-post.md': '+++\ntitle = "In TOML"\n+++\nText.\n',
    'my-garden/content/posts/future.md': '---\ntitle: Later\ndate: 2999-01-01\n---\nSoon.\n',
    'my-garden/content/About.md': '---\ntitle: About\n---\nMe.\n',
    'my-garden/static/images/logo.png': PNG,
    'my-garden/themes/paper/exampleSite/content/posts/demo.md': '---\ntitle: Demo\n---\nTheme demo.\n',
    '__MACOSX/my-garden/._hugo.yaml': 'junk',
  };

  it('strips the top folder, reads bundles, aliases, section addresses and the site settings', async () => {
    const source = await open(site);
    expect(source.site).toMatchObject({
      title: 'Ann’s garden',
      description: 'Notes from the allotment.',
      url: 'https://ann.github.io/garden/',
    });
    const items = await itemsOf(source);
    expect([...items.keys()].sort()).toEqual([
      'content/About.md',
      'content/posts/future.md',
      'content/posts/hello-hugo.md',
      'content/posts/trip-to-oslo/index.md',
    ]);
    expect(items.get('content/posts/hello-hugo.md')).toMatchObject({
      kind: 'post',
      slug: 'hello-hugo',
      publishedAt: new Date('2024-01-02T09:00:00Z'),
      updatedAt: new Date('2024-02-01T00:00:00Z'),
      excerpt: 'A first post.',
      tags: ['hugo', 'meta', 'blogging'],
      oldPaths: ['/garden/posts/hello-hugo/', '/garden/old/hello/', '/garden/2024/hello.html'],
      warnings: ['Embedded videos became links (1).', 'It uses Hugo shortcodes ({{< … >}}), which are kept as text.'],
    });
    expect(markdownOf(items.get('content/posts/hello-hugo.md'))).toBe(
      'Hello! <https://www.youtube.com/watch?v=dQw4w9WgXcQ>\n\n![Our logo](/images/logo.png)\n*The [new] logo*\n\n{{< gallery dir="/img/trip" />}}',
    );
    expect(items.get('content/posts/trip-to-oslo/index.md')).toMatchObject({
      slug: 'trip-to-oslo',
      featureImage: { url: 'harbour.jpg', alt: 'The harbour at dusk' },
      oldPaths: ['/garden/posts/trip-to-oslo/'],
    });
    expect(items.get('content/posts/future.md')).toMatchObject({ status: 'scheduled' });
    expect(items.get('content/About.md')).toMatchObject({ kind: 'page', slug: 'About', oldPaths: ['/garden/about/'] });
    expect(source.site.warnings).toEqual([
      '1 file has TOML front matter (+++), which Quire cannot read yet, and was skipped (content/posts/toml-post.md): convert it to YAML (---) to import it.',
      '1 Hugo section page (_index.md) was skipped (content/_index.md).',
    ]);

    const trip = items.get('content/posts/trip-to-oslo/index.md')!;
    expect(await source.localFile!('harbour.jpg', trip)).toEqual(PNG);
    expect(await source.localFile!('/images/logo.png', trip)).toEqual(PNG);
    expect(await source.localFile!('/garden/images/logo.png', trip)).toEqual(PNG);
    await source.close();
  });

  it('refuses a site whose front matter is all TOML', async () => {
    const source = await open({ 'hugo.toml': 'title = "x"\n', 'content/posts/a.md': '+++\ntitle = "A"\n+++\nA.\n' });
    expect(source.site.warnings).toEqual([
      "The site's Hugo settings are TOML, which Quire cannot read yet: its title and permalink settings were not imported.",
    ]);
    await expect(itemsOf(source)).rejects.toThrow(
      "This site's front matter is TOML (+++), which Quire cannot read yet: convert it to YAML (---) and upload the zip again.",
    );
  });
});

describe('openMarkdownFolder: Eleventy and Astro', () => {
  it('reads an Eleventy blog, leaving out its collection tags', async () => {
    const source = await open({
      'eleventy.config.js': 'export default function (config) {}\n',
      '_data/metadata.json':
        '{"title": "Eleventy Base Blog", "url": "https://example.com/", "description": "I am writing about my experiences."}',
      'content/blog/firstpost.md':
        '---\ntitle: This is my first post.\ndescription: Lorem.\ndate: 2018-05-01\ntags:\n  - posts\n  - number 2\n---\nBody.\n',
      'content/about/index.md': '---\ntitle: About Me\n---\nI am a person.\n',
    });
    expect(source.site).toMatchObject({ title: 'Eleventy Base Blog', url: 'https://example.com/' });
    const items = await itemsOf(source);
    expect(items.get('content/blog/firstpost.md')).toMatchObject({
      kind: 'post',
      tags: ['number 2'],
      excerpt: 'Lorem.',
      oldPaths: ['/content/blog/firstpost/', '/blog/firstpost/'],
    });
    expect(items.get('content/about/index.md')).toMatchObject({ kind: 'page', slug: 'about', oldPaths: ['/content/about/', '/about/'] });
  });

  it('reads an Astro blog, MDX without its import lines, and images relative to the post', async () => {
    const source = await open({
      'astro.config.mjs': 'export default {}\n',
      'src/content/blog/first-post.md':
        "---\ntitle: 'First post'\ndescription: 'Lorem ipsum'\npubDate: '2022-07-08'\nheroImage: '../../assets/blog-placeholder-3.jpg'\n---\nText.\n",
      'src/content/blog/using-mdx.mdx': [
        '---',
        "title: 'Using MDX'",
        'pubDate: 2022-07-01T00:00:00Z',
        '---',
        "import HeaderLink from '../../components/HeaderLink.astro';",
        '',
        'Some text <HeaderLink href="#">link</HeaderLink>.',
        '',
        '```js',
        "import x from 'y';",
        '```',
      ].join('\n'),
      'src/assets/blog-placeholder-3.jpg': PNG,
      'public/favicon.svg': '<svg/>',
    });
    const items = await itemsOf(source);
    const first = items.get('src/content/blog/first-post.md')!;
    expect(first).toMatchObject({
      slug: 'first-post',
      publishedAt: new Date('2022-07-08T12:00:00Z'),
      featureImage: { url: '../../assets/blog-placeholder-3.jpg' },
      oldPaths: ['/blog/first-post/'],
    });
    expect(await source.localFile!(first.featureImage!.url, first)).toEqual(PNG);
    const mdx = items.get('src/content/blog/using-mdx.mdx')!;
    expect(markdownOf(mdx)).toBe('\nSome text <HeaderLink href="#">link</HeaderLink>.\n\n```js\nimport x from \'y\';\n```');
    expect(mdx.warnings).toEqual([
      'It is MDX: its import and export lines were removed, and its components (<Component …>) will not show.',
    ]);
  });
});

describe('openMarkdownFolder: refusals', () => {
  it('refuses a zip with no Markdown', async () => {
    await expect(open({ 'index.html': '<p>x</p>', 'README.md': '# r' })).rejects.toThrow('This zip has no Markdown files (.md)');
  });

  it('refuses front matter that is not YAML, naming the file', async () => {
    const source = await open({ '_posts/2024-01-01-a.md': '---\ntitle: [broken\n---\nText\n' });
    await expect(itemsOf(source)).rejects.toThrow(/^_posts\/2024-01-01-a\.md has front matter that is not valid YAML/);
  });

  it('refuses a zip where nothing is a post or a titled page', async () => {
    const source = await open({ 'notes/a.md': 'just text', 'b.md': '---\nfoo: 1\n---\nmore' });
    await expect(itemsOf(source)).rejects.toThrow('This zip has no Markdown posts or pages');
  });

  it('refuses an image past the media size limit, and answers only for its own items', async () => {
    const source = await open({
      'posts/big.md': '---\ntitle: Big\n---\n![](huge.png)\n',
      'posts/huge.png': Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    const [post] = (await itemsOf(source)).values();
    await expect(source.localFile!('huge.png', post!)).rejects.toThrow('posts/huge.png is larger than 10 MB.');
    expect(await source.localFile!('huge.png', { ...post!, sourceId: 'elsewhere.md' })).toBeUndefined();
  });

  it('says what it cannot read in a post, and names a post with no title after its file', async () => {
    const source = await open({ 'posts/my-first-walk.md': '---\ndate: someday\ntags: "a, b"\n---\nWalking.\n' });
    const [post] = (await itemsOf(source)).values();
    expect(post).toMatchObject({ title: 'My first walk', slug: 'my-first-walk', publishedAt: undefined, tags: ['a', 'b'], oldPaths: [] });
    expect(post!.warnings).toEqual([
      'It has no title: it is called “My first walk” after its file name.',
      'Its date (someday) is not one Quire can read.',
      'It has no date: it is dated the day it is imported.',
    ]);
  });
});
