import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { InputError } from '@/lib/input';
import { animatedGif, decompressionBomb, exifHasGps, jpegWithGps, png, SVG_WITH_SCRIPT } from '@/lib/testing/images';
import { processImage, sha256, sniffImage } from './image';

const MB = 1024 * 1024;

describe('processImage', () => {
  it('turns a JPEG upright and removes its EXIF (GPS included), keeping its format', async () => {
    const input = await jpegWithGps(1600, 1200);
    const before = await sharp(input).metadata();
    expect(exifHasGps(before.exif)).toBe(true); // the fixture really carries GPS
    expect(before.orientation).toBe(6);

    const image = await processImage(input, 10 * MB);
    expect(image.mime).toBe('image/jpeg');
    // Stored sideways, shown upright: the recorded size is the upright one.
    expect([image.width, image.height]).toEqual([1200, 1600]);
    const after = await sharp(image.bytes).metadata();
    expect(after.format).toBe('jpeg');
    expect([after.width, after.height]).toEqual([1200, 1600]);
    expect(after.exif).toBeUndefined();
    expect(after.orientation).toBeUndefined();
    expect(after.xmp).toBeUndefined();
    expect(image.bytes.includes('QuireTestCam')).toBe(false);
    expect(image.sha256).toBe(sha256(image.bytes));
  });

  it('makes WebP copies only at widths narrower than the image', async () => {
    const wide = await processImage(await jpegWithGps(1600, 1200), 10 * MB); // 1200 wide once upright
    expect(wide.variants.map((v) => [v.width, v.mime])).toEqual([[640, 'image/webp']]);
    const copy = await sharp(wide.variants[0]!.bytes).metadata();
    expect([copy.format, copy.width, copy.height]).toEqual(['webp', 640, 853]);
    expect(copy.exif).toBeUndefined();
    expect(wide.variants[0]!.bytes.length).toBeLessThan(wide.bytes.length);

    const small = await processImage(await png(600, 400), 10 * MB);
    expect(small.variants).toEqual([]);
    expect([small.mime, small.width, small.height]).toEqual(['image/png', 600, 400]);
  });

  it('keeps every frame of an animated GIF, in the image and in its copies', async () => {
    const image = await processImage(await animatedGif(), 10 * MB);
    expect([image.mime, image.width, image.height]).toEqual(['image/gif', 800, 300]);
    expect((await sharp(image.bytes, { animated: true }).metadata()).pages).toBe(3);
    expect(image.variants.map((v) => v.width)).toEqual([640]);
    const copy = await sharp(image.variants[0]!.bytes, { animated: true }).metadata();
    expect([copy.pages, copy.width, copy.pageHeight]).toEqual([3, 640, 240]);
  });

  const refusals: [string, () => Promise<Buffer> | Buffer, RegExp][] = [
    ['an empty file', () => Buffer.alloc(0), /^This file is empty\.$/],
    ['a text file named .png', () => Buffer.from('just some notes, honestly\n'.repeat(20)), /not a PNG, JPEG, GIF or WebP image/],
    ['an SVG with a script', () => SVG_WITH_SCRIPT, /^SVG images are not accepted: an SVG can carry scripts/],
    [
      'a truncated JPEG',
      async () => {
        const whole = await jpegWithGps(800, 600);
        return whole.subarray(0, Math.floor(whole.length * 0.6));
      },
      /damaged or incomplete/,
    ],
    [
      'a PNG cut short',
      async () => {
        const whole = await png(800, 600);
        return whole.subarray(0, Math.floor(whole.length / 2));
      },
      /damaged or incomplete/,
    ],
    [
      'PNG magic bytes followed by junk',
      () => Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(2000, 7)]),
      /damaged or incomplete/,
    ],
    ['a decompression bomb', decompressionBomb, /too large in pixels \(10,000 × 10,000\); images may have at most 50 megapixels/],
  ];

  it.each(refusals)('refuses %s with a clear sentence', async (_name, make, message) => {
    const attempt = processImage(await make(), 10 * MB);
    await expect(attempt).rejects.toBeInstanceOf(InputError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('refuses a file over the limit before decoding it', async () => {
    const input = await jpegWithGps(1600, 1200);
    await expect(processImage(input, input.length - 1)).rejects.toThrow(/larger than the \d+(\.\d)? MB limit for images/);
  });
});

describe('sniffImage', () => {
  it('knows the four formats by their first bytes only', async () => {
    expect(sniffImage(await png(10, 10))).toBe('image/png');
    expect(sniffImage(await jpegWithGps(10, 10))).toBe('image/jpeg');
    expect(sniffImage(await animatedGif())).toBe('image/gif');
    expect(
      sniffImage(
        await sharp(await png(10, 10))
          .webp()
          .toBuffer(),
      ),
    ).toBe('image/webp');
    expect(sniffImage(SVG_WITH_SCRIPT)).toBeNull();
    expect(sniffImage(Buffer.from('GIF8'))).toBeNull();
  });
});
