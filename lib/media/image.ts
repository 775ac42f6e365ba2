import { createHash } from 'node:crypto';
import sharp, { type Sharp, type SharpOptions } from 'sharp';
import { InputError } from '@/lib/input';
import { processWide } from '@/lib/process/shared';

export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

/**
 * Widths (px) of the smaller copies offered to browsers in `srcset`, made only when narrower
 * than the image. 640 fills the blog's ~632 px column at 1x; 1280 fills it on 2x screens.
 */
const VARIANT_WIDTHS = [640, 1280] as const;

/**
 * Decompression bombs: a few kilobytes of PNG can declare billions of pixels. 50 megapixels
 * takes a 48 MP phone photo (8064 × 6048); checked from the header, before any decoding.
 */
const MAX_PIXELS = 50_000_000;

/** At most this many images are decoded at once in a process: each can hold ~200 MB meanwhile. */
const CONCURRENT_IMAGES = 2;

// Every upload is a different image: libvips' operation cache would only hold memory.
sharp.cache(false);

type ImageVariant = { width: number; mime: ImageMime; bytes: Buffer };

/** An image as Quire stores it: upright, without metadata, with its smaller copies. */
export type ProcessedImage = {
  mime: ImageMime;
  width: number;
  height: number;
  bytes: Buffer;
  sha256: string;
  variants: ImageVariant[];
};

/**
 * Images only, recognised by their first bytes, never by name or declared type: a file that
 * says it is a PNG but is not gets refused.
 */
export function sniffImage(bytes: Buffer): ImageMime | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return 'image/gif';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  return null;
}

export function imageTooLargeMessage(maxBytes: number): string {
  return `This image is larger than the ${formatMegabytes(maxBytes)} MB limit for images.`;
}

/**
 * Checks an uploaded image and makes it safe to publish: recognised by content, within the size
 * and pixel limits, fully decodable, turned upright from its EXIF orientation, re-encoded in
 * its own format without any metadata (EXIF, GPS, XMP, comments; colours converted to sRGB),
 * plus WebP copies at VARIANT_WIDTHS. Asynchronous throughout: sharp decodes on libuv's
 * thread pool, so the server keeps answering meanwhile. Refusals are `InputError`s.
 */
export async function processImage(input: Buffer, maxBytes: number): Promise<ProcessedImage> {
  if (input.length === 0) throw new InputError('This file is empty.');
  if (input.length > maxBytes) throw new InputError(imageTooLargeMessage(maxBytes));
  const mime = sniffImage(input);
  if (!mime) {
    throw new InputError(
      looksLikeSvg(input)
        ? 'SVG images are not accepted: an SVG can carry scripts that would run on your blog. Export it as a PNG instead.'
        : 'This file is not a PNG, JPEG, GIF or WebP image, whatever its name says.',
    );
  }
  return imageSlots().run(() => cleanAndResize(input, mime));
}

async function cleanAndResize(input: Buffer, mime: ImageMime): Promise<ProcessedImage> {
  // GIF and WebP may be animated: every frame is kept (and counted in the pixel limit).
  const options: SharpOptions = {
    animated: mime === 'image/gif' || mime === 'image/webp',
    autoOrient: true,
    // Refuses truncated and corrupt pixel data, but not the harmless warnings some cameras cause.
    failOn: 'error',
    limitInputPixels: MAX_PIXELS,
  };
  let width: number;
  let height: number;
  try {
    // The header only, without the pixel limit, so a bomb is refused with its real size.
    const meta = await sharp(input, { ...options, limitInputPixels: false }).metadata();
    if (FORMATS[meta.format] !== mime) throw new Error(`decoded as ${meta.format}`);
    // Read as animated, frames are stacked: `height` is all of them, `pageHeight` one.
    const frames = options.animated ? (meta.pages ?? 1) : 1;
    width = frames > 1 ? meta.width : meta.autoOrient.width;
    height = frames > 1 ? (meta.pageHeight ?? meta.height) : meta.autoOrient.height;
    if (meta.width * meta.height > MAX_PIXELS) {
      throw new InputError(
        `This image is too large in pixels (${meta.width.toLocaleString('en')} × ${meta.height.toLocaleString('en')}${frames > 1 ? `, ${frames} frames` : ''}); images may have at most ${MAX_PIXELS / 1_000_000} megapixels.`,
      );
    }
  } catch (error) {
    throw error instanceof InputError ? error : damaged();
  }

  try {
    const bytes = await encode(sharp(input, options), mime).toBuffer();
    const variants: ImageVariant[] = [];
    for (const variantWidth of VARIANT_WIDTHS.filter((w) => w < width)) {
      const variant = await sharp(input, options).resize({ width: variantWidth }).webp({ quality: 80 }).toBuffer();
      // A copy that is not smaller than the image itself saves readers nothing.
      if (variant.length < bytes.length) variants.push({ width: variantWidth, mime: 'image/webp', bytes: variant });
    }
    return { mime, width, height, bytes, sha256: sha256(bytes), variants };
  } catch {
    throw damaged();
  }
}

const FORMATS: Partial<Record<string, ImageMime>> = { png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };

/** Re-encoded in its own format; sharp writes no metadata unless told to keep it. */
function encode(image: Sharp, mime: ImageMime): Sharp {
  switch (mime) {
    case 'image/jpeg':
      return image.jpeg({ quality: 90 });
    case 'image/png':
      return image.png();
    case 'image/gif':
      return image.gif();
    case 'image/webp':
      return image.webp({ quality: 90 });
  }
}

const damaged = () => new InputError('This image is damaged or incomplete, so it cannot be published. Try saving or exporting it again.');

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function looksLikeSvg(bytes: Buffer): boolean {
  return /<svg[\s>]/i.test(bytes.subarray(0, 4096).toString('utf8'));
}

function formatMegabytes(bytes: number): string {
  return String(Math.round((bytes / 1024 / 1024) * 10) / 10);
}

/** A counting semaphore: jobs beyond `count` wait their turn, in order. */
class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly count: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.count) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await job();
    } finally {
      // Hand the slot straight to the next job, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

// Once per process: uploads and imports come through separately bundled route modules.
const imageSlots = () => processWide('media.image-slots', () => new Slots(CONCURRENT_IMAGES));
