import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { renderFeed, type FeedDocument } from './render';

const base = 'http://blog.localhost:3000';
const HOSTILE_TITLE = 'One ]]> two ]]> <b>bold</b> & "quoted" \u0001\u0008 lone \uD800 end';
const HOSTILE_TAG = 'C++ <3 & "friends"';

const doc = (title = 'A title'): FeedDocument => ({
  title: 'Blog & <Co>',
  description: 'About ]]> things',
  language: 'en',
  author: 'Ada "A" <ada>',
  pageUrl: `${base}/`,
  feedUrls: { rss: `${base}/feed.xml`, atom: `${base}/atom.xml`, json: `${base}/feed.json` },
  updated: new Date('2026-01-02T00:00:00Z'),
  entries: [
    {
      url: `${base}/posts/a`,
      title,
      summary: 'Less < more ]]> ]]>',
      html: `<p>Text <a href="${base}/posts/b">b</a></p>`,
      published: new Date('2026-01-01T00:00:00Z'),
      modified: new Date('2026-01-02T00:00:00Z'),
      tags: [
        { name: HOSTILE_TAG, url: `${base}/tag/c-3-friends` },
        { name: 'plain', url: `${base}/tag/plain` },
      ],
    },
  ],
});

// What is left of the hostile title once the characters XML cannot carry are dropped.
const CARRIED_TITLE = 'One ]]> two ]]> <b>bold</b> & "quoted"  lone  end';
const FORBIDDEN_IN_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/;
const parser = new Parser();

describe('renderFeed', () => {
  it('writes RSS 2.0 that a strict XML parser reads back, hostile text intact', async () => {
    const xml = renderFeed(doc(HOSTILE_TITLE), 'rss');
    expect(xml).not.toMatch(FORBIDDEN_IN_XML);
    const feed = await parser.parseString(xml);
    expect(feed.title).toBe('Blog & <Co>');
    expect(feed.feedUrl).toBe(`${base}/feed.xml`);
    const [item] = feed.items;
    // A zero-width space is what keeps each `]]>` of a plain-text title inside its CDATA.
    expect(item!.title!.replaceAll('\u200B', '')).toBe(CARRIED_TITLE);
    expect(item!.link).toBe(`${base}/posts/a`);
    expect(item!.isoDate).toBe('2026-01-01T00:00:00.000Z');
    expect((item as Record<string, unknown>)['content:encoded']).toBe(`<p>Text <a href="${base}/posts/b">b</a></p>`);
    expect((item as Record<string, unknown>)['dc:creator']).toBe('Ada "A" <ada>');
    // RSS descriptions are HTML: the plain summary arrives escaped.
    expect(item!.content).toBe('Less &lt; more ]]&gt; ]]&gt;');
    expect((item!.categories as unknown as { _: string }[]).map((c) => c._)).toEqual([HOSTILE_TAG, 'plain']);
  });

  it('writes Atom that a strict XML parser reads back, titles as escaped HTML', async () => {
    const xml = renderFeed(doc(HOSTILE_TITLE), 'atom');
    expect(xml).not.toMatch(FORBIDDEN_IN_XML);
    const feed = await parser.parseString(xml);
    expect(feed.feedUrl).toBe(`${base}/atom.xml`);
    const [item] = feed.items;
    expect(item!.title).toBe('One ]]&gt; two ]]&gt; &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;  lone  end');
    expect(item!.id).toBe(`${base}/posts/a`);
    expect(xml).toContain(`<category term="${base}/tag/c-3-friends"/>`);
    expect(xml).toContain('<category term="plain"/>');
  });

  it('fails the XML parser when a CDATA section is cut short, as the package alone would', async () => {
    const broken = renderFeed(doc(), 'rss').replace('<![CDATA[A title]]>', '<![CDATA[A ]]> b ]]> & <c]]>');
    await expect(parser.parseString(broken)).rejects.toThrow();
  });

  it('writes JSON Feed 1.1 with plain text where JSON Feed wants text', () => {
    const feed = JSON.parse(renderFeed(doc(HOSTILE_TITLE), 'json'));
    expect(Object.keys(feed)[0]).toBe('version');
    expect(feed).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'Blog & <Co>',
      home_page_url: `${base}/`,
      feed_url: `${base}/feed.json`,
      language: 'en',
      authors: [{ name: 'Ada "A" <ada>' }],
    });
    expect(feed.author).toBeUndefined();
    expect(feed.items[0]).toMatchObject({
      id: `${base}/posts/a`,
      url: `${base}/posts/a`,
      title: CARRIED_TITLE,
      summary: 'Less < more ]]> ]]>',
      date_published: '2026-01-01T00:00:00.000Z',
      date_modified: '2026-01-02T00:00:00.000Z',
      tags: [HOSTILE_TAG, 'plain'],
    });
  });
});
