import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { HttpError } from '@/lib/http/errors';
import { InputError } from '@/lib/input';
import { pageGeneration } from '@/lib/pagecache/generation';
import { savePage } from '@/lib/pages/pages';
import { createPost, savePost } from '@/lib/posts/posts';
import { getPublishedPost, listPublishedPosts } from '@/lib/posts/public';
import { makeTempBlog } from '@/lib/testing/data-dir';
import { exifHasGps, jpegWithGps, png } from '@/lib/testing/images';
import { MEDIA_ALT_MAX } from '@/lib/input/lengths';
import { cleanLegacyImage, deleteMedia, describeMedia, listMedia, mediaItem, saveUpload, uploadFilename } from './media';

const blog = makeTempBlog('photos', 'Photos');

describe('saveUpload', () => {
  it('stores the cleaned image, its size and its copies, and says where it lives', async () => {
    const saved = await saveUpload('photos', 'Holiday at the sea!.JPG', await jpegWithGps(1600, 1200));
    expect(saved).toMatchObject({
      filename: 'Holiday-at-the-sea-.JPG',
      mime: 'image/jpeg',
      width: 1200,
      height: 1600,
      path: `/media/${saved.id}/Holiday-at-the-sea-.JPG`,
    });
    expect(saved.url).toBe(`http://photos.localhost:3000${saved.path}`);
    expect(saved.thumbnailUrl).toBe(`http://photos.localhost:3000/media/${saved.id}/w640/Holiday-at-the-sea-.JPG`);
    const row = blog().sqlite.prepare('select bytes, size from media where id = ?').get(saved.id) as { bytes: Buffer; size: number };
    expect(row.size).toBe(row.bytes.length);
    expect(exifHasGps((await sharp(row.bytes).metadata()).exif)).toBe(false);
    expect(blog().sqlite.prepare('select width, mime from media_variants where media_id = ?').all(saved.id)).toEqual([
      { width: 640, mime: 'image/webp' },
    ]);
  });

  it('names a file by what it really is', () => {
    expect(uploadFilename('photo.png', 'image/jpeg')).toBe('photo.jpg');
    expect(uploadFilename('photo.jpeg', 'image/jpeg')).toBe('photo.jpeg');
    expect(uploadFilename('../../etc/passwd', 'image/png')).toBe('passwd.png');
    expect(uploadFilename('', 'image/gif')).toBe('image.gif');
  });

  it('stores nothing when it refuses', async () => {
    const before = listMedia(blog()).length;
    await expect(saveUpload('photos', 'notes.png', Buffer.from('not an image'))).rejects.toThrow(/not a PNG/);
    expect(listMedia(blog())).toHaveLength(before);
  });
});

describe('rendering posts with images', () => {
  it('gives the blog’s own images srcset, sizes and their size, at save time', async () => {
    const image = await saveUpload('photos', 'wide.png', await png(1500, 1000));
    const post = await createPost(blog(), {
      title: 'Wide',
      markdown: `![A wide one](${image.path})\n\n![elsewhere](https://example.com/x.png)`,
    });
    expect(post.html).toContain(
      `<img src="${image.path}" alt="A wide one" loading="lazy" decoding="async" srcset="/media/${image.id}/w640/wide.png 640w, /media/${image.id}/w1280/wide.png 1280w, ${image.path} 1500w" sizes="(max-width: 42rem) calc(100vw - 2.5rem), 39.5rem" width="1500" height="1000" />`,
    );
    expect(post.html).toContain('<img src="https://example.com/x.png" alt="elsewhere" loading="lazy" decoding="async" />');
  });

  it('leaves an image alone when the name does not match its id', async () => {
    const image = await saveUpload('photos', 'right.png', await png(1000, 700));
    const post = await createPost(blog(), { title: 'Wrong name', markdown: `![x](/media/${image.id}/wrong.png)` });
    expect(post.html).not.toContain('srcset');
  });
});

describe('covers', () => {
  it('are saved with a post, shown in the public reads with an absolute URL, and removable', async () => {
    const image = await saveUpload('photos', 'cover.png', await png(1400, 700));
    const post = await savePost(blog(), undefined, { title: 'With a cover', markdown: 'Text', action: 'publish', coverMediaId: image.id });
    const cover = {
      src: image.path,
      srcset: `/media/${image.id}/w640/cover.png 640w, /media/${image.id}/w1280/cover.png 1280w, ${image.path} 1400w`,
      sizes: '(max-width: 42rem) calc(100vw - 2.5rem), 39.5rem',
      width: 1400,
      height: 700,
      alt: '',
      url: `http://photos.localhost:3000${image.path}`,
    };
    expect(getPublishedPost(blog(), post.slug)?.cover).toEqual(cover);
    expect(listPublishedPosts(blog(), { limit: 50 }).posts.find((p) => p.id === post.id)?.cover).toEqual(cover);

    // Saving without saying anything about the cover keeps it; null removes it.
    await savePost(blog(), post.id, { title: 'With a cover', markdown: 'Edited', action: 'publish' });
    expect(getPublishedPost(blog(), post.slug)?.cover?.src).toBe(image.path);
    await savePost(blog(), post.id, { title: 'With a cover', markdown: 'Edited', action: 'publish', coverMediaId: null });
    expect(getPublishedPost(blog(), post.slug)?.cover).toBeNull();
  });

  it('must be an image of this blog', async () => {
    await expect(savePost(blog(), undefined, { title: 'X', markdown: 'x', coverMediaId: 999_999 })).rejects.toThrow(
      /cover image is not in this blog/,
    );
    await expect(savePost(blog(), undefined, { title: 'X', markdown: 'x', coverMediaId: 'one' })).rejects.toThrow(/Choose a cover image/);
    await expect(savePost(blog(), undefined, { title: 'X', markdown: 'x', coverMediaId: -1 })).rejects.toThrow();
  });
});

describe('descriptions', () => {
  it('start empty, are stored, listed, replaced and removed', async () => {
    const image = await saveUpload('photos', 'boats.png', await png(200, 100));
    expect(image.alt).toBe('');
    expect(describeMedia(blog(), image.id, { alt: '  Fishing boats\nat  dawn ' })).toMatchObject({
      id: image.id,
      alt: 'Fishing boats at dawn',
    });
    expect(blog().sqlite.prepare('select alt from media where id = ?').pluck().get(image.id)).toBe('Fishing boats at dawn');
    expect(listMedia(blog()).find((item) => item.id === image.id)?.alt).toBe('Fishing boats at dawn');
    expect(describeMedia(blog(), image.id, { alt: 'שלום 🦄 [boats]' }).alt).toBe('שלום 🦄 [boats]');
    expect(describeMedia(blog(), image.id, { alt: '' }).alt).toBe('');
    expect(mediaItem(blog(), image.id)?.alt).toBe('');
  });

  it('are held to the limit and must be text; nothing changes when refused', async () => {
    const image = await saveUpload('photos', 'limit.png', await png(100, 100));
    expect(describeMedia(blog(), image.id, { alt: 'x'.repeat(MEDIA_ALT_MAX) }).alt).toHaveLength(MEDIA_ALT_MAX);
    expect(() => describeMedia(blog(), image.id, { alt: 'y'.repeat(MEDIA_ALT_MAX + 1) })).toThrow(
      new InputError(`A description is at most ${MEDIA_ALT_MAX} characters.`),
    );
    expect(() => describeMedia(blog(), image.id, { alt: 7 })).toThrow(InputError);
    expect(() => describeMedia(blog(), image.id, {})).toThrow(InputError);
    expect(() => describeMedia(blog(), image.id, 'just a string')).toThrow(InputError);
    expect(mediaItem(blog(), image.id)?.alt).toBe('x'.repeat(MEDIA_ALT_MAX));
  });

  it('are for images that exist', () => {
    let error: unknown;
    try {
      describeMedia(blog(), 999_999, { alt: 'ghost' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 404, message: 'This image no longer exists.' });
  });

  it('are the alt text of covers, and retire cached pages only when a live post shows one', async () => {
    const image = await saveUpload('photos', 'lighthouse.png', await png(800, 400));
    const unused = await saveUpload('photos', 'unused-yet.png', await png(100, 100));
    const draft = await savePost(blog(), undefined, { title: 'Draft cover', markdown: 'x', coverMediaId: unused.id });
    let generation = pageGeneration(blog().slug);
    describeMedia(blog(), unused.id, { alt: 'Only a draft shows me' });
    expect(pageGeneration(blog().slug)).toBe(generation);

    const post = await savePost(blog(), undefined, { title: 'Lighthouse', markdown: 'Text', action: 'publish', coverMediaId: image.id });
    expect(getPublishedPost(blog(), post.slug)?.cover?.alt).toBe('');
    generation = pageGeneration(blog().slug);
    describeMedia(blog(), image.id, { alt: 'A white lighthouse on a cliff' });
    expect(pageGeneration(blog().slug)).not.toBe(generation);
    expect(getPublishedPost(blog(), post.slug)?.cover?.alt).toBe('A white lighthouse on a cliff');
    expect(listPublishedPosts(blog(), { limit: 50 }).posts.find((p) => p.id === post.id)?.cover?.alt).toBe('A white lighthouse on a cliff');
    expect(draft.coverMediaId).toBe(unused.id);
  });
});

describe('the library', () => {
  it('says where each image is used, and deletes only unused ones', async () => {
    const inPost = await saveUpload('photos', 'in-post.png', await png(100, 100));
    const inPage = await saveUpload('photos', 'in-page.png', await png(100, 100));
    const asCover = await saveUpload('photos', 'as-cover.png', await png(100, 100));
    const unused = await saveUpload('photos', 'unused.png', await png(100, 100));
    const post = await createPost(blog(), { title: 'Uses one', markdown: `Draft with ![](${inPost.path})`, draft: true });
    const page = await savePage(blog(), undefined, { title: 'About', markdown: `![me](http://photos.localhost:3000${inPage.path})` });
    await savePost(blog(), undefined, { title: 'Covered', markdown: 'x', coverMediaId: asCover.id });

    const uses = new Map(listMedia(blog()).map((item) => [item.id, item.uses]));
    expect(uses.get(inPost.id)).toEqual([{ kind: 'post', id: post.id, title: 'Uses one' }]);
    expect(uses.get(inPage.id)).toEqual([{ kind: 'page', id: page.id, title: 'About' }]);
    expect(uses.get(asCover.id)).toEqual([expect.objectContaining({ kind: 'cover', title: 'Covered' })]);
    expect(uses.get(unused.id)).toEqual([]);

    expect(() => deleteMedia(blog(), inPost.id)).toThrow('This image is still used by the post "Uses one". Remove it there first.');
    expect(() => deleteMedia(blog(), inPage.id)).toThrow(/the page "About"/);
    expect(() => deleteMedia(blog(), asCover.id)).toThrow(/the cover of "Covered"/);
    deleteMedia(blog(), unused.id);
    expect(listMedia(blog()).some((item) => item.id === unused.id)).toBe(false);
    expect(() => deleteMedia(blog(), unused.id)).toThrow(/no longer exists/);
  });

  it('does not mistake image 1 for image 12', async () => {
    const items = listMedia(blog());
    const target = items.find((item) => item.uses.length === 0)!;
    await createPost(blog(), { title: 'Near miss', markdown: `![](/media/${target.id}0/x.png) and /media/${target.id}x/` });
    expect(() => deleteMedia(blog(), target.id)).not.toThrow();
    expect(blog().sqlite.prepare('select count(*) from media_variants where media_id = ?').pluck().get(target.id)).toBe(0);
  });
});

describe('images stored before they were cleaned', () => {
  it('are cleaned once: upright, without GPS, with their size and copies', async () => {
    const original = await jpegWithGps(1600, 1200);
    const { lastInsertRowid } = blog()
      .sqlite.prepare("insert into media (filename, mime, size, bytes, created_at) values ('old.jpg', 'image/jpeg', ?, ?, 0)")
      .run(original.length, original);
    const id = Number(lastInsertRowid);
    await cleanLegacyImage(() => blog().sqlite, id);
    const row = blog().sqlite.prepare('select bytes, width, height, sha256 from media where id = ?').get(id) as {
      bytes: Buffer;
      width: number;
      height: number;
      sha256: string;
    };
    expect([row.width, row.height]).toEqual([1200, 1600]);
    expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(exifHasGps((await sharp(row.bytes).metadata()).exif)).toBe(false);
    expect(blog().sqlite.prepare('select width from media_variants where media_id = ?').pluck().all(id)).toEqual([640]);
  });

  it('are kept as they were, marked, when they cannot be decoded', async () => {
    const junk = Buffer.concat([Buffer.from('ffd8ff', 'hex'), Buffer.alloc(100, 1)]);
    const { lastInsertRowid } = blog()
      .sqlite.prepare("insert into media (filename, mime, size, bytes, created_at) values ('junk.jpg', 'image/jpeg', ?, ?, 0)")
      .run(junk.length, junk);
    await cleanLegacyImage(() => blog().sqlite, Number(lastInsertRowid));
    const row = blog().sqlite.prepare('select bytes, width, sha256 from media where id = ?').get(lastInsertRowid) as {
      bytes: Buffer;
      width: null;
      sha256: string;
    };
    expect(row.bytes).toEqual(junk);
    expect(row.width).toBeNull();
    expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
