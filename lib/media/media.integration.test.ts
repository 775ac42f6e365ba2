import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { animatedGif, decompressionBomb, exifHasGps, jpegWithGps, png, SVG_WITH_SCRIPT } from '@/lib/testing/images';
import { ApiClient, request, signUp, startServer, type RunningServer } from '@/lib/testing/server';
import { readZipEntries } from '@/lib/testing/zip';

/**
 * Images over real HTTP against the production server (QUIRE_MEDIA_MAX_MB=1): uploads are
 * checked and cleaned, served with exact headers, used in posts with srcset, refused with a
 * sentence when they should be, deleted only when unused, and carried by both exports.
 */
const PASSWORD = 'a long enough passphrase';
let dataDir: string;
let server: RunningServer;
let alice: ApiClient; // owns "alices"
let eve: ApiClient; // owns "eves"; nothing else
let pngFile: Buffer;
let jpegFile: Buffer;

type Uploaded = {
  id: number;
  filename: string;
  path: string;
  url: string;
  thumbnailUrl: string;
  width: number;
  height: number;
  mime: string;
};

async function upload(client: ApiClient, blog: string, filename: string, body: Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${client.origin}/api/blogs/${blog}/media?filename=${encodeURIComponent(filename)}`, {
    method: 'POST',
    headers: { cookie: client.cookie, origin: client.origin, 'content-type': 'application/octet-stream', ...headers },
    body: new Uint8Array(body),
  });
  return { status: response.status, json: (await response.json()) as Uploaded & { error?: string } };
}

const onBlog = (blog: string, urlPath: string, headers?: Record<string, string>) =>
  request(server.port, `${blog}.localhost:${server.port}`, urlPath, { headers });
const mediaRows = (blog: string) => {
  const db = new Database(path.join(dataDir, 'tenants', `${blog}.db`), { readonly: true });
  try {
    return db.prepare('select count(*) from media').pluck().get() as number;
  } finally {
    db.close();
  }
};

/** Alice publishes a post on one of her blogs, perhaps with a cover image. */
async function publish(blog: string, post: { title: string; markdown: string; coverMediaId?: number }) {
  const saved = await alice.call('POST', `/api/blogs/${blog}/posts`, { ...post, action: 'publish' });
  expect(saved.status).toBe(200);
}

async function download(client: ApiClient, url: string): Promise<Buffer> {
  const response = await fetch(`${client.origin}${url}`, { headers: { cookie: client.cookie } });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-media-'));
  server = await startServer(dataDir, { QUIRE_MEDIA_MAX_MB: '1', QUIRE_MAX_BLOGS_PER_USER: '50' });
  alice = await signUp(server.port, { email: 'alice@example.com', password: PASSWORD, blog: { slug: 'alices', title: 'Alice' } });
  eve = await signUp(server.port, { email: 'eve@example.com', password: PASSWORD, blog: { slug: 'eves', title: 'Eve' } });
  pngFile = await png(1500, 1000);
  jpegFile = await jpegWithGps(1600, 1200);
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('uploading and serving', () => {
  let pngImage: Uploaded;
  let jpegImage: Uploaded;

  it('stores a real PNG and JPEG and says where they live', async () => {
    const first = await upload(alice, 'alices', 'diagram.png', pngFile);
    expect(first.status).toBe(200);
    pngImage = first.json;
    expect(pngImage).toMatchObject({
      filename: 'diagram.png',
      mime: 'image/png',
      width: 1500,
      height: 1000,
      path: `/media/${pngImage.id}/diagram.png`,
    });
    expect(pngImage.url).toBe(`http://alices.localhost:${server.port}/media/${pngImage.id}/diagram.png`);

    expect(exifHasGps((await sharp(jpegFile).metadata()).exif)).toBe(true); // the fixture really has GPS
    const second = await upload(alice, 'alices', 'beach.jpg', jpegFile);
    expect(second.status).toBe(200);
    jpegImage = second.json;
    expect(jpegImage).toMatchObject({ mime: 'image/jpeg', width: 1200, height: 1600 }); // turned upright
  });

  it('serves them with exact headers, and 304 for a matching ETag', async () => {
    for (const [image, type] of [
      [pngImage, 'image/png'],
      [jpegImage, 'image/jpeg'],
    ] as const) {
      const reply = await onBlog('alices', image.path);
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe(type);
      expect(Number(reply.headers['content-length'])).toBe(reply.bytes.length);
      expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(reply.headers['set-cookie']).toBeUndefined();
      const etag = reply.headers.etag!;
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect((await sharp(reply.bytes).metadata()).format).toBe(type.slice(6));

      const again = await onBlog('alices', image.path, { 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(again.bytes.length).toBe(0);
      expect(again.headers.etag).toBe(etag);
      expect((await onBlog('alices', image.path, { 'if-none-match': `"nope", W/${etag}` })).status).toBe(304);
      expect((await onBlog('alices', image.path, { 'if-none-match': '"something-else"' })).status).toBe(200);
    }
  });

  it('serves smaller WebP copies at their own immutable addresses', async () => {
    const original = await onBlog('alices', pngImage.path);
    for (const width of [640, 1280]) {
      const copy = await onBlog('alices', `/media/${pngImage.id}/w${width}/diagram.png`);
      expect(copy.status).toBe(200);
      expect(copy.headers['content-type']).toBe('image/webp');
      expect(Number(copy.headers['content-length'])).toBe(copy.bytes.length);
      expect(copy.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(copy.headers['x-content-type-options']).toBe('nosniff');
      expect(copy.headers.etag).toMatch(new RegExp(`^"[0-9a-f]{32}-w${width}-\\d+"$`));
      expect(copy.bytes.length).toBeLessThan(original.bytes.length);
      const meta = await sharp(copy.bytes).metadata();
      expect([meta.format, meta.width]).toEqual(['webp', width]);
      expect((await onBlog('alices', `/media/${pngImage.id}/w${width}/diagram.png`, { 'if-none-match': copy.headers.etag! })).status).toBe(
        304,
      );
    }
    // The JPEG is 1200 wide: a 1280 copy would not be smaller, so there is none.
    expect((await onBlog('alices', `/media/${jpegImage.id}/w640/beach.jpg`)).status).toBe(200);
    expect((await onBlog('alices', `/media/${jpegImage.id}/w1280/beach.jpg`)).status).toBe(404);
  });

  it('serves the JPEG without any EXIF, GPS included', async () => {
    const served = await onBlog('alices', jpegImage.path);
    const meta = await sharp(served.bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(exifHasGps(meta.exif)).toBe(false);
    expect(served.bytes.includes('QuireTestCam')).toBe(false);
    expect([meta.width, meta.height]).toEqual([1200, 1600]);
    const copy = await onBlog('alices', `/media/${jpegImage.id}/w640/beach.jpg`);
    expect((await sharp(copy.bytes).metadata()).exif).toBeUndefined();
  });

  it.each([
    ['an unknown id', () => '/media/999999/diagram.png'],
    ['the wrong name', () => `/media/${pngImage.id}/other.png`],
    ['a copy with the wrong name', () => `/media/${pngImage.id}/w640/other.png`],
    ['a width that was never made', () => `/media/${pngImage.id}/w320/diagram.png`],
    ['an id that is not a number', () => '/media/abc/diagram.png'],
    ['a path too deep', () => `/media/${pngImage.id}/w640/x/diagram.png`],
  ])('answers 404 for %s', async (_name, url) => {
    const reply = await onBlog('alices', url());
    expect(reply.status).toBe(404);
    expect(reply.headers['cache-control'] ?? '').not.toContain('immutable');
  });

  it('answers 404 for another blog’s image on this blog’s host', async () => {
    expect((await onBlog('eves', pngImage.path)).status).toBe(404);
  });
});

describe('refusals', () => {
  const refusals: [string, string, () => Promise<Buffer> | Buffer, number, RegExp][] = [
    [
      'a text file renamed .png',
      'notes.png',
      () => Buffer.from('Shopping list: eggs, milk, bread.\n'),
      400,
      /^This file is not a PNG, JPEG, GIF or WebP image, whatever its name says\.$/,
    ],
    [
      'an SVG with a script',
      'logo.svg',
      () => SVG_WITH_SCRIPT,
      400,
      /^SVG images are not accepted: an SVG can carry scripts that would run on your blog\./,
    ],
    ['an SVG renamed .png', 'logo.png', () => SVG_WITH_SCRIPT, 400, /^SVG images are not accepted/],
    [
      'a truncated JPEG',
      'cut.jpg',
      async () => (await jpegWithGps(800, 600)).subarray(0, 20_000),
      400,
      /^This image is damaged or incomplete/,
    ],
    [
      'a file over QUIRE_MEDIA_MAX_MB',
      'huge.png',
      () => Buffer.concat([pngFile.subarray(0, 8), Buffer.alloc(1024 * 1024 + 1)]),
      413,
      /^This image is larger than the 1 MB limit for images\.$/,
    ],
    [
      'a decompression bomb',
      'bomb.png',
      decompressionBomb,
      400,
      /^This image is too large in pixels \(10,000 × 10,000\); images may have at most 50 megapixels\.$/,
    ],
    ['zero bytes', 'empty.png', () => Buffer.alloc(0), 400, /^This file is empty\.$/],
  ];

  it.each(refusals)('refuses %s with a clear sentence, storing nothing', async (_name, filename, make, status, message) => {
    const before = mediaRows('alices');
    const reply = await upload(alice, 'alices', filename, await make());
    expect(reply.status).toBe(status);
    expect(reply.json.error).toMatch(message);
    expect(mediaRows('alices')).toBe(before);
  });

  it('refuses an oversized upload sent without a declared length too', async () => {
    const before = mediaRows('alices');
    const body = Buffer.alloc(1024 * 1024 + 10);
    const response = await fetch(`${alice.origin}/api/blogs/alices/media?filename=chunked.png`, {
      method: 'POST',
      headers: { cookie: alice.cookie, origin: alice.origin },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(body.subarray(0, 600_000));
          controller.enqueue(body.subarray(600_000));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(mediaRows('alices')).toBe(before);
  });

  it('refuses another blog’s member, a stranger and another site', async () => {
    const before = mediaRows('alices');
    const asEve = await upload(eve, 'alices', 'x.png', pngFile);
    expect(asEve.status).toBe(404);
    expect(asEve.json.error).toBe('There is no such blog in your account.');
    expect((await eve.call('GET', '/api/blogs/alices/media')).status).toBe(404);
    expect((await upload(new ApiClient(server.port), 'alices', 'x.png', pngFile)).status).toBe(401);
    expect((await upload(alice, 'alices', 'x.png', pngFile, { origin: 'https://evil.test' })).status).toBe(403);
    expect(mediaRows('alices')).toBe(before);
  });

  it('keeps animation, and accepts WebP', async () => {
    const gif = await upload(alice, 'alices', 'spinner.gif', await animatedGif());
    expect(gif.json).toMatchObject({ mime: 'image/gif', width: 800, height: 300 });
    const served = await onBlog('alices', gif.json.path);
    expect((await sharp(served.bytes, { animated: true }).metadata()).pages).toBe(3);
    const webp = await upload(alice, 'alices', 'photo.webp', await sharp(pngFile).webp().toBuffer());
    expect(webp.json).toMatchObject({ mime: 'image/webp', width: 1500 });
  });
});

describe('posts with images', () => {
  it('render srcset with the blog’s copies, and strip a srcset the author wrote', async () => {
    const image = (await upload(alice, 'alices', 'figure.png', pngFile)).json;
    const markdown = `![Figure one](${image.path})\n\n<img src="https://example.com/a.png" srcset="https://tracker.test/pixel.png 2x" alt="x">`;
    await publish('alices', { title: 'Figures', markdown });
    const page = await onBlog('alices', '/posts/figures');
    expect(page.body).toContain(
      `srcset="/media/${image.id}/w640/figure.png 640w, /media/${image.id}/w1280/figure.png 1280w, ${image.path} 1500w"`,
    );
    expect(page.body).toContain('width="1500" height="1000"');
    expect(page.body).toContain('loading="lazy"');
    expect(page.body).not.toContain('tracker.test');
    for (const url of [...page.body.matchAll(/srcset="([^"]+)"/g)].flatMap((m) => m[1]!.split(', ').map((c) => c.split(' ')[0]!))) {
      expect((await onBlog('alices', url.replaceAll('&amp;', '&'))).status, url).toBe(200);
    }
  });

  it('show a cover on the home page, on the post and in OpenGraph', async () => {
    const cover = (await upload(alice, 'alices', 'cover.png', pngFile)).json;
    await publish('alices', { title: 'Covered', markdown: 'With a cover.', coverMediaId: cover.id });
    const home = await onBlog('alices', '/');
    expect(home.body).toMatch(
      new RegExp(`<img class="list-cover" src="${cover.path}" srcSet="/media/${cover.id}/w640/cover.png 640w`, 'i'),
    );
    const post = await onBlog('alices', '/posts/covered');
    expect(post.body).toContain('class="post-cover"');
    expect(post.body).toContain(`<meta property="og:image" content="http://alices.localhost:${server.port}${cover.path}"/>`);
    expect(post.body).toContain('<meta property="og:image:width" content="1500"/>');
    expect(post.body).toContain('<meta property="og:image:height" content="1000"/>');

    const refused = await alice.call('POST', '/api/blogs/alices/posts', { title: 'Bad cover', markdown: 'x', coverMediaId: 999_999 });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatch(/cover image is not in this blog/);
  });
});

describe('describing', () => {
  it('stores the description, which becomes the cover’s alt text at once, for members of the blog only', async () => {
    const image = (await upload(alice, 'alices', 'boats.png', await png(900, 600))).json;
    await publish('alices', { title: 'Boats', markdown: 'On the water.', coverMediaId: image.id });
    const coverAlt = async (urlPath: string, className: string) =>
      new RegExp(`<img class="${className}"[^>]*alt="([^"]*)"`).exec((await onBlog('alices', urlPath)).body)?.[1];
    expect(await coverAlt('/', 'list-cover')).toBe('');
    expect(await coverAlt('/posts/boats', 'post-cover')).toBe('');

    const described = await alice.call('PATCH', `/api/blogs/alices/media/${image.id}`, { alt: 'Two red "boats" & a gull' });
    expect(described.status).toBe(200);
    expect(described.json).toMatchObject({ id: image.id, filename: 'boats.png', alt: 'Two red "boats" & a gull' });
    // The cached home page and post page are made again.
    expect(await coverAlt('/', 'list-cover')).toBe('Two red &quot;boats&quot; &amp; a gull');
    expect(await coverAlt('/posts/boats', 'post-cover')).toBe('Two red &quot;boats&quot; &amp; a gull');
    expect((await onBlog('alices', '/posts/boats')).body).toContain(
      '<meta property="og:image:alt" content="Two red &quot;boats&quot; &amp; a gull"/>',
    );
    const listed = (await alice.call('GET', '/api/blogs/alices/media')).json.media as { id: number; alt: string }[];
    expect(listed.find((item) => item.id === image.id)?.alt).toBe('Two red "boats" & a gull');

    // Refused: too long, not text, not JSON, another blog's member, a stranger, another site, an image that is not there.
    const tooLong = await alice.call('PATCH', `/api/blogs/alices/media/${image.id}`, { alt: 'x'.repeat(501) });
    expect(tooLong).toMatchObject({ status: 400, json: { error: 'A description is at most 500 characters.' } });
    expect((await alice.call('PATCH', `/api/blogs/alices/media/${image.id}`, { alt: ['x'] })).status).toBe(400);
    const notJson = await fetch(`${alice.origin}/api/blogs/alices/media/${image.id}`, {
      method: 'PATCH',
      headers: { cookie: alice.cookie, origin: alice.origin },
      body: 'alt=x',
    });
    expect(notJson.status).toBe(400);
    expect((await eve.call('PATCH', `/api/blogs/alices/media/${image.id}`, { alt: 'mine now' })).status).toBe(404);
    expect((await eve.call('PATCH', `/api/blogs/eves/media/${image.id}`, { alt: 'mine now' })).status).toBe(404);
    expect((await new ApiClient(server.port).call('PATCH', `/api/blogs/alices/media/${image.id}`, { alt: 'anon' })).status).toBe(401);
    expect(
      (await alice.call('PATCH', `/api/blogs/alices/media/${image.id}`, { alt: 'forged' }, { origin: 'https://evil.test' })).status,
    ).toBe(403);
    expect((await alice.call('PATCH', '/api/blogs/alices/media/999999', { alt: 'ghost' })).status).toBe(404);
    expect(await coverAlt('/posts/boats', 'post-cover')).toBe('Two red &quot;boats&quot; &amp; a gull');

    // Empty removes it: the cover is decoration again.
    expect((await alice.call('PATCH', `/api/blogs/alices/media/${image.id}`, { alt: '' })).json.alt).toBe('');
    expect(await coverAlt('/posts/boats', 'post-cover')).toBe('');
  });
});

describe('deleting', () => {
  it('is refused while a post uses the image, saying which, and allowed once it does not', async () => {
    const image = (await upload(alice, 'alices', 'temporary.png', await png(800, 500))).json;
    const post = await alice.call('POST', '/api/blogs/alices/posts', { title: 'Uses it', markdown: `![t](${image.path})`, action: 'save' });
    const refused = await alice.call('DELETE', `/api/blogs/alices/media/${image.id}`, {});
    expect(refused.status).toBe(409);
    expect(refused.json.error).toBe('This image is still used by the post "Uses it". Remove it there first.');
    expect((await onBlog('alices', image.path)).status).toBe(200);

    // Another blog's member cannot delete it either.
    const asEve = await eve.call('DELETE', `/api/blogs/eves/media/${image.id}`, {});
    expect(asEve.status).toBe(404);
    expect((await eve.call('DELETE', `/api/blogs/alices/media/${image.id}`, {})).status).toBe(404);

    const postId = (post.json.post as { id: number }).id;
    await alice.call('PUT', `/api/blogs/alices/posts/${postId}`, { title: 'Uses it', markdown: 'Not any more.', action: 'save' });
    expect((await alice.call('DELETE', `/api/blogs/alices/media/${image.id}`, {})).status).toBe(200);
    expect((await onBlog('alices', image.path)).status).toBe(404);
    expect((await onBlog('alices', `/media/${image.id}/w640/temporary.png`)).status).toBe(404);
    expect((await alice.call('DELETE', `/api/blogs/alices/media/${image.id}`, {})).status).toBe(404);
  });
});

describe('images stored before they were cleaned', () => {
  it('are cleaned when first served: no GPS leaves the server', async () => {
    const db = new Database(path.join(dataDir, 'tenants', 'alices.db'));
    const { lastInsertRowid } = db
      .prepare("insert into media (filename, mime, size, bytes, created_at) values ('old.jpg', 'image/jpeg', ?, ?, 0)")
      .run(jpegFile.length, jpegFile);
    db.close();
    const served = await onBlog('alices', `/media/${lastInsertRowid}/old.jpg`);
    expect(served.status).toBe(200);
    expect(served.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await sharp(served.bytes).metadata()).exif).toBeUndefined();
    expect((await onBlog('alices', `/media/${lastInsertRowid}/w640/old.jpg`)).status).toBe(200);
  });
});

describe('export and import', () => {
  let image: Uploaded;

  beforeAll(async () => {
    await alice.call('POST', '/api/blogs', { slug: 'gallery', title: 'Gallery' });
    image = (await upload(alice, 'gallery', 'harbour.png', pngFile)).json;
    expect((await alice.call('PATCH', `/api/blogs/gallery/media/${image.id}`, { alt: 'Boats: [moored] at dawn' })).status).toBe(200);
    await publish('gallery', { title: 'Harbour', markdown: `![The harbour](${image.path})`, coverMediaId: image.id });
  });

  const importAs = async (slug: string, file: Buffer) => {
    const response = await fetch(`${alice.origin}/api/blogs/import?slug=${slug}`, {
      method: 'POST',
      headers: { cookie: alice.cookie, origin: alice.origin, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(file),
    });
    return { status: response.status, json: (await response.json()) as Record<string, string> };
  };

  it('the blog file holds the image and its copies byte for byte; imported, the same addresses serve them again', async () => {
    const served = (await onBlog('gallery', image.path)).bytes;
    const copy = (await onBlog('gallery', `/media/${image.id}/w640/harbour.png`)).bytes;
    const exported = await download(alice, '/api/blogs/gallery/export');
    const file = path.join(dataDir, 'gallery-export.db');
    fs.writeFileSync(file, exported);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('select bytes from media where id = ?').pluck().get(image.id)).toEqual(served);
    expect(db.prepare('select bytes from media_variants where media_id = ? and width = 640').pluck().get(image.id)).toEqual(copy);
    expect(db.prepare('select cover_media_id from posts').pluck().get()).toBe(image.id);
    expect(db.prepare('select alt from media where id = ?').pluck().get(image.id)).toBe('Boats: [moored] at dawn');
    db.close();

    expect((await importAs('gallery-copy', exported)).status).toBe(200);
    const again = await onBlog('gallery-copy', image.path);
    expect(again.status).toBe(200);
    expect(again.bytes).toEqual(served);
    expect((await onBlog('gallery-copy', `/media/${image.id}/w640/harbour.png`)).bytes).toEqual(copy);
    const post = await onBlog('gallery-copy', '/posts/harbour');
    expect(post.body).toContain(`srcset="/media/${image.id}/w640/harbour.png 640w`);
    expect(post.body).toContain(`<meta property="og:image" content="http://gallery-copy.localhost:${server.port}${image.path}"/>`);
    expect(post.body).toMatch(/<img class="post-cover"[^>]*alt="Boats: \[moored\] at dawn"/);
  });

  it('the Markdown zip holds the image and the cover; imported, copies are made again and the cover restored', async () => {
    const zip = await download(alice, '/api/blogs/gallery/export/markdown');
    const files = await readZipEntries(zip);
    expect(files.get(`media/${image.id}-harbour.png`)).toEqual((await onBlog('gallery', image.path)).bytes);
    expect(files.get('posts/harbour.md')!.toString()).toContain(`cover: ${image.path}\n`);
    expect([...files.keys()].some((name) => name.includes('w640'))).toBe(false);
    expect(files.get('media.yaml')!.toString()).toBe(`media/${image.id}-harbour.png: "Boats: [moored] at dawn"\n`);

    expect((await importAs('gallery-zip', zip)).status).toBe(200);
    const served = await onBlog('gallery-zip', image.path);
    expect(served.status).toBe(200);
    expect([(await sharp(served.bytes).metadata()).width]).toEqual([1500]);
    const copy = await onBlog('gallery-zip', `/media/${image.id}/w1280/harbour.png`);
    expect(copy.status).toBe(200);
    expect(copy.headers['content-type']).toBe('image/webp');
    const post = await onBlog('gallery-zip', '/posts/harbour');
    expect(post.body).toContain(`srcset="/media/${image.id}/w640/harbour.png 640w`);
    expect(post.body).toContain('class="post-cover"');
    expect(post.body).toContain(`<meta property="og:image" content="http://gallery-zip.localhost:${server.port}${image.path}"/>`);
    expect(post.body).toMatch(/<img class="post-cover"[^>]*alt="Boats: \[moored\] at dawn"/);
  });

  const hostile = async (sql: string) => {
    const file = path.join(dataDir, `hostile-${Date.now()}.db`);
    fs.writeFileSync(file, await download(alice, '/api/blogs/gallery/export'));
    const db = new Database(file);
    db.pragma('foreign_keys = OFF'); // what a hostile file can hold
    db.exec(sql);
    db.close();
    return fs.readFileSync(file);
  };

  it.each([
    [
      'a copy that is not an image',
      "update media_variants set bytes = x'3c7376673e'",
      /smaller copy of an image that is not a valid image/,
    ],
    [
      'a copy wider than its image',
      'update media_variants set width = 4000 where width = 640',
      /smaller copy of an image that is not a valid image/,
    ],
    [
      'a copy of an image that does not exist',
      'insert into media_variants (media_id, width, mime, bytes, size) select 4242, width, mime, bytes, size from media_variants limit 1',
      /refer to rows that do not exist/,
    ],
    ['a cover that does not exist', 'update posts set cover_media_id = 4242', /refer to rows that do not exist/],
    ['an image with an impossible width', "update media set width = 'wide'", /impossible width or height/],
    ['an image description that is not text', "update media set alt = x'00ff'", /^This file has an image whose description is not text\.$/],
    [
      'an image description on two lines',
      "update media set alt = 'A harbour' || char(10) || 'at dawn'",
      /^This file has an image whose description is not one line of text\.$/,
    ],
  ])('refuses a blog file with %s', async (_name, sql, message) => {
    const reply = await importAs(`bad-${Math.random().toString(36).slice(2, 8)}`, await hostile(sql));
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(message);
  });

  it('refuses a zip whose descriptions are too long or name an image it does not carry', async () => {
    const files = await readZipEntries(await download(alice, '/api/blogs/gallery/export/markdown'));
    const { ZipFile } = await import('yazl');
    const zipWith = async (descriptions: string) => {
      const out = new ZipFile();
      for (const [name, bytes] of files) out.addBuffer(name === 'media.yaml' ? Buffer.from(descriptions) : bytes, name);
      out.end();
      const chunks: Buffer[] = [];
      for await (const chunk of out.outputStream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    const tooLong = await importAs('long-description', await zipWith(`media/${image.id}-harbour.png: ${'d'.repeat(501)}\n`));
    expect(tooLong).toMatchObject({ status: 400, json: { error: 'media.yaml: A description is at most 500 characters.' } });
    const missing = await importAs('ghost-description', await zipWith('media/4242-ghost.png: A ghost\n'));
    expect(missing).toMatchObject({ status: 400, json: { error: "media.yaml: media/4242-ghost.png is not one of the zip's images." } });
  });

  it('refuses a zip whose post names a cover it does not carry', async () => {
    const zip = await download(alice, '/api/blogs/gallery/export/markdown');
    const files = await readZipEntries(zip);
    const { ZipFile } = await import('yazl');
    const out = new ZipFile();
    for (const [name, bytes] of files) if (!name.startsWith('media/')) out.addBuffer(bytes, name);
    out.end();
    const chunks: Buffer[] = [];
    for await (const chunk of out.outputStream) chunks.push(chunk as Buffer);
    const reply = await importAs('no-cover', Buffer.concat(chunks));
    expect(reply.status).toBe(400);
    expect(reply.json.error).toBe(`posts/harbour.md: Its cover (${image.path}) is not one of the zip's images.`);
  });
});
