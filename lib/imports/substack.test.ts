import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zipOf } from '@/lib/testing/zip';
import { openArchive } from '@/lib/uploads/archive';
import type { ImportedItem, ImportSource } from './source';
import { openSubstack } from './substack';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-substack-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let zips = 0;
async function open(files: Record<string, string>): Promise<ImportSource> {
  const file = path.join(dir, `${++zips}.zip`);
  fs.writeFileSync(file, await zipOf(Object.entries(files).map(([name, text]) => [name, Buffer.from(text)])));
  return openSubstack(await openArchive(file, 64 * 1024 * 1024), Date.now() + 60_000);
}

async function itemsOf(source: ImportSource): Promise<ImportedItem[]> {
  const items: ImportedItem[] = [];
  for await (const item of source.items()) items.push(item);
  await source.close();
  return items;
}

const htmlOf = (item: ImportedItem) => ('html' in item.body ? item.body.html : '');

const CSV_HEADER = 'post_id,post_date,is_published,email_sent_at,inbox_sent_at,type,audience,title,subtitle,podcast_url';

const cdn = (width: number, format: string, file: string) =>
  `https://substackcdn.com/image/fetch/$s_!Ab1c!,w_${width},c_limit,f_${format},q_auto:good,fl_progressive:steep/https%3A%2F%2Fsubstack-post-media.s3.amazonaws.com%2Fpublic%2Fimages%2F${file}`;

const IMAGE_POST = `<p>Spring came early this year.</p>
<div class="captioned-image-container"><figure><a class="image-link image2 is-viewable-img" target="_blank" href="${cdn(1456, 'auto', '9c1f_2000x1333.jpeg')}" data-component-name="Image2ToDOM"><div class="image2-inset"><picture><source type="image/webp" srcset="${cdn(424, 'webp', '9c1f_2000x1333.jpeg')} 424w, ${cdn(848, 'webp', '9c1f_2000x1333.jpeg')} 848w,${cdn(1456, 'webp', '9c1f_2000x1333.jpeg')} 1456w" sizes="100vw"><img src="${cdn(1456, 'auto', '9c1f_2000x1333.jpeg')}" width="1456" height="970" data-attrs="{&quot;src&quot;:&quot;https://substack-post-media.s3.amazonaws.com/public/images/9c1f_2000x1333.jpeg&quot;,&quot;width&quot;:2000,&quot;height&quot;:1333,&quot;alt&quot;:&quot;Blossom&quot;,&quot;href&quot;:null}" class="sizing-normal" alt="Blossom on the cherry tree" srcset="${cdn(424, 'auto', '9c1f_2000x1333.jpeg')} 424w, ${cdn(1456, 'auto', '9c1f_2000x1333.jpeg')} 1456w" sizes="100vw" loading="lazy"></picture><div class="image-link-expand"><div class="pencraft pc-display-flex"><button tabindex="0" type="button" class="pencraft pc-reset icon-container restack-image"><svg width="20" height="20"><path d="M1 1"></path></svg></button></div></div></div></a><figcaption class="image-caption">The old tree, by <a href="https://example.com/photos">Ann</a> &amp; me</figcaption></figure></div>
<p>More soon.<a class="footnote-anchor" data-component-name="FootnoteAnchorToDOM" id="footnote-anchor-1" href="#footnote-1" target="_self">1</a></p>
<div class="subscription-widget-wrap-editor" data-attrs="{&quot;url&quot;:&quot;https://garden.substack.com/subscribe?&quot;,&quot;text&quot;:&quot;Subscribe&quot;}" data-component-name="SubscribeWidgetToDOM"><div class="subscription-widget show-subscribe"><div class="preamble"><p class="cta-caption">Thanks for reading! Subscribe for free to receive new posts.</p></div><form class="subscription-widget-subscribe"><input type="email" class="email-input" name="email" placeholder="Type your email…" tabindex="-1"><input type="submit" class="button primary" value="Subscribe"></form></div></div>
<p class="button-wrapper" data-attrs="{&quot;url&quot;:&quot;https://garden.substack.com/p/spring?utm_source=substack&amp;utm_medium=email&amp;utm_content=share&amp;action=share&quot;,&quot;text&quot;:&quot;Share&quot;}" data-component-name="ButtonCreateButton"><a class="button primary" href="https://garden.substack.com/p/spring?utm_source=substack&amp;utm_medium=email&amp;utm_content=share&amp;action=share"><span>Share</span></a></p>
<p class="button-wrapper" data-attrs="{&quot;url&quot;:&quot;https://seeds.example.org/catalogue&quot;,&quot;text&quot;:&quot;Seed catalogue&quot;}"><a class="button primary" href="https://seeds.example.org/catalogue"><span>Seed catalogue</span></a></p>
<div class="youtube-wrap" id="youtube2-dQw4w9WgXcQ" data-attrs="{&quot;videoId&quot;:&quot;dQw4w9WgXcQ&quot;,&quot;startTime&quot;:30,&quot;endTime&quot;:null}" data-component-name="Youtube2ToDOM"><div class="youtube-inner"><iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0&amp;start=30" frameborder="0" allowfullscreen="true"></iframe></div></div>
<div class="twitter-embed" data-attrs="{&quot;url&quot;:&quot;https://x.com/gardener/status/1234567890&quot;,&quot;full_text&quot;:&quot;Blossom!&quot;,&quot;username&quot;:&quot;gardener&quot;}" data-component-name="Twitter2ToDOM"></div>
<div class="footnote" data-component-name="FootnoteToDOM"><a id="footnote-1" href="#footnote-anchor-1" class="footnote-number" contenteditable="false" target="_self">1</a><div class="footnote-content"><p>The tree is <em>sixty</em> years old.</p></div></div>
`;

const BASIC_ZIP = {
  'posts.csv': [
    CSV_HEADER,
    '140001.spring-notes,2024-03-21T08:30:00.000Z,true,2024-03-21T08:31:00.000Z,2024-03-21T08:31:00.000Z,newsletter,everyone,Spring notes,"What grew, what didn\'t",',
    '140002.members-only,2024-04-02T09:00:00.000Z,true,,,newsletter,only_paid,For members,A paid post,',
    '140003.,,false,,,newsletter,everyone,,,',
    '140004.episode-1,2024-05-01T10:00:00.000Z,true,,,podcast,only_free,"Episode 1: ""Soil""",,https://api.substack.com/feed/podcast/140004/abc.mp3',
  ].join('\n'),
  'posts/140001.spring-notes.html': IMAGE_POST,
  'posts/140001.spring-notes.opens.csv': 'post_id,timestamp,email\n140001,2024-03-21,a@example.com\n',
  'posts/140002.members-only.html': '<p>Only for those who pay.</p>',
  'posts/140003..html': '<p>Half a thought.</p>',
  'posts/140004.episode-1.html': '<p>Show notes.</p>',
  'email_list.garden.csv':
    'email,active_subscription,expiry,plan,email_disabled,created_at\na@example.com,false,,,false,2023-01-01\nb@example.com,true,2025-01-01,yearly,false,2023-02-01\n',
};

describe('openSubstack', () => {
  it('reads each row of posts.csv with its HTML, in order', async () => {
    const source = await open(BASIC_ZIP);
    expect(source.kind).toBe('substack');
    expect(source.site.warnings).toEqual(["Substack's subscriber list is not imported (2 subscribers)."]);
    const [spring, paid, draft, podcast] = await itemsOf(source);

    expect(spring).toMatchObject({
      kind: 'post',
      sourceId: '140001.spring-notes',
      slug: 'spring-notes',
      title: 'Spring notes',
      excerpt: "What grew, what didn't",
      status: 'published',
      publishedAt: new Date('2024-03-21T08:30:00.000Z'),
      oldPaths: ['/p/spring-notes'],
      tags: [],
      comments: [],
    });
    expect(paid).toMatchObject({ slug: 'members-only', status: 'draft', oldPaths: ['/p/members-only'] });
    expect(paid!.warnings).toEqual([
      'It was for paid subscribers only; Quire has no paid subscriptions, so it is a draft: publish it to make it public.',
    ]);
    expect(htmlOf(paid!)).toBe('<p>Only for those who pay.</p>');
    expect(draft).toMatchObject({ slug: '', status: 'draft', title: 'Untitled', publishedAt: undefined, oldPaths: [] });
    expect(draft!.warnings).toEqual(['It has no title: it is called “Untitled”.']);
    expect(podcast).toMatchObject({ title: 'Episode 1: "Soil"', status: 'published', oldPaths: ['/p/episode-1'] });
    expect(htmlOf(podcast!)).toBe(
      '<p><a href="https://api.substack.com/feed/podcast/140004/abc.mp3">Listen to the episode</a></p><p>Show notes.</p>',
    );
    expect(podcast!.warnings).toEqual([
      'It was for subscribers only; on Quire it is public.',
      "It was a podcast episode: its audio is linked, not copied (it stays on Substack's servers).",
    ]);
  });

  it("simplifies Substack's markup: original images, captions, no buttons, embeds as links, footnotes as a list", async () => {
    const [spring] = await itemsOf(await open(BASIC_ZIP));
    const html = htmlOf(spring!);
    expect(html).toContain(
      '<figure><img src="https://substack-post-media.s3.amazonaws.com/public/images/9c1f_2000x1333.jpeg" alt="Blossom on the cherry tree">' +
        '<figcaption>The old tree, by <a href="https://example.com/photos">Ann</a> &#38; me</figcaption></figure>',
    );
    expect(html).not.toMatch(/substackcdn|<picture|<source|<svg|<button|<form|<input|Subscribe for free|action=share|class=/);
    expect(html).toContain('<p>More soon.<sup>1</sup></p>');
    expect(html).toContain('<p><a href="https://seeds.example.org/catalogue">Seed catalogue</a></p>');
    expect(html).toContain(
      '<p><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ&#38;t=30s">https://www.youtube.com/watch?v=dQw4w9WgXcQ&#38;t=30s</a></p>',
    );
    expect(html).toContain('<p><a href="https://x.com/gardener/status/1234567890">https://x.com/gardener/status/1234567890</a></p>');
    expect(html.endsWith('<hr><ol><li><p>The tree is <em>sixty</em> years old.</p></li></ol>')).toBe(true);
    expect(spring!.warnings).toEqual([
      "Substack's subscribe and share buttons were dropped (2).",
      'Embedded videos became links (1).',
      'Embedded posts from X (Twitter) became links (1).',
    ]);
  });

  it('takes the widest srcset candidate when no original is named, unwrapping the CDN URL; keeps the link an author gave an image', async () => {
    const html = `<div class="captioned-image-container"><figure><a class="image-link image2" href="#"><picture><source type="image/webp" srcset="${cdn(424, 'webp', 'a_1x1.png')} 424w, ${cdn(1272, 'webp', 'b_1x1.png')} 1272w"><img src="https://example.com/small.png" alt=""></picture></a></figure></div><p><img src="${cdn(600, 'auto', 'c_1x1.gif')}"></p><div class="captioned-image-container"><figure><a class="image-link image2" href="https://apple.com"><img src="https://example.com/linked.png" data-attrs="{&quot;href&quot;:&quot;https://apple.com/&quot;}" alt="Linked"></a></figure></div>`;
    const [item] = await itemsOf(
      await open({
        'posts.csv': `${CSV_HEADER}\n1.pics,2024-01-01T00:00:00Z,true,,,newsletter,everyone,Pics,,`,
        'posts/1.pics.html': html,
      }),
    );
    expect(htmlOf(item!)).toBe(
      '<figure><img src="https://substack-post-media.s3.amazonaws.com/public/images/b_1x1.png" alt=""></figure>' +
        '<p><img src="https://substack-post-media.s3.amazonaws.com/public/images/c_1x1.gif" alt=""></p>' +
        '<figure><a href="https://apple.com/"><img src="https://example.com/linked.png" alt="Linked"></a></figure>',
    );
  });

  it('finds posts.csv inside a single top folder, says when a post has no HTML, ignores types it knows', async () => {
    const source = await open({
      'export-garden/posts.csv': `${CSV_HEADER}\n7.chat,2024-01-01T00:00:00Z,true,,,thread,everyone,Chat,,\n8.gone,2024-01-02T00:00:00Z,true,,,newsletter,everyone,Gone,,`,
      'export-garden/posts/7.chat.html': '<p>What are you planting?</p>',
    });
    const [chat, gone] = await itemsOf(source);
    expect(chat!.warnings).toEqual([
      "It was a discussion thread: only its opening text is imported (the discussion is not in Substack's export).",
    ]);
    expect(gone!.warnings).toEqual(['Its text is not in the export (no posts/8.gone.html).']);
    expect(htmlOf(gone!)).toBe('');
  });

  it('refuses a zip without posts.csv', async () => {
    await expect(open({ 'posts/1.a.html': '<p>x</p>' })).rejects.toThrow('This zip has no posts.csv: it is not an export from Substack.');
  });

  it('refuses CSV that is not valid, naming the line', async () => {
    await expect(
      open({ 'posts.csv': `${CSV_HEADER}\n1.a,2024-01-01,true,,,newsletter,everyone,A,,\n2.b,2024-01-01,true,,newsletter,everyone,B,,` }),
    ).rejects.toThrow('posts.csv is not valid CSV at line 3: the row does not have as many values as the header.');
    await expect(open({ 'posts.csv': `${CSV_HEADER}\n1.a,2024-01-01,true,,,newsletter,everyone,"A,,\n` })).rejects.toThrow(
      /^posts\.csv is not valid CSV at line \d+: a quoted value is never closed\.$/,
    );
  });

  it('refuses rows that are not Substack posts, naming the line', async () => {
    await expect(
      open({ 'posts.csv': `${CSV_HEADER}\n1.a,,true,,,newsletter,everyone,A,,\nnot-an-id,,true,,,newsletter,everyone,B,,` }),
    ).rejects.toThrow('posts.csv line 3: its post_id is not a number, a dot and a slug.');
    await expect(open({ 'posts.csv': 'id,name\n1,a\n' })).rejects.toThrow('posts.csv has no post_id column');
  });

  it('refuses HTML nested past all reason, naming the file', async () => {
    const source = await open({
      'posts.csv': `${CSV_HEADER}\n1.deep,,true,,,newsletter,everyone,Deep,,`,
      'posts/1.deep.html': '<div>'.repeat(5000) + '</span>'.repeat(5000),
    });
    await expect(itemsOf(source)).rejects.toThrow('posts/1.deep.html nests its HTML more than 256 levels deep.');
  });

  it('stops when the deadline has passed', async () => {
    const file = path.join(dir, 'late.zip');
    fs.writeFileSync(file, await zipOf([['posts.csv', Buffer.from(`${CSV_HEADER}\n1.a,,true,,,newsletter,everyone,A,,`)]]));
    await expect(openSubstack(await openArchive(file, 1024 * 1024), Date.now() - 1)).rejects.toThrow('took too long');
  });
});
