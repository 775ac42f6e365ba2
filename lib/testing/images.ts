import sharp from 'sharp';

/**
 * Real images made with sharp for the tests (no binary fixtures in the repository), and a
 * reader for the one EXIF fact the tests care about: whether a GPS record is there.
 */

/** A photo-like JPEG (noise compresses like a photo) with GPS coordinates, a camera name, and EXIF orientation 6 (stored sideways). */
export function jpegWithGps(width = 1600, height = 1200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 12 } } })
    .jpeg({ quality: 80 })
    .withExif({
      IFD0: { Make: 'QuireTestCam', Model: 'Pocket 1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2964/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4032/100' },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** A translucent PNG with a patch of noise in a corner: some detail, but a small file. */
export function png(width = 900, height = 600): Promise<Buffer> {
  const patch = {
    width: Math.ceil(width / 6),
    height: Math.ceil(height / 6),
    channels: 3 as const,
    background: '#808080',
    noise: { type: 'gaussian' as const, mean: 100, sigma: 30 },
  };
  return sharp({ create: { width, height, channels: 4, background: { r: 30, g: 120, b: 200, alpha: 0.8 } } })
    .composite([{ input: { create: patch }, top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** Three frames, 800 × 300 each. */
export async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(
    ['#c00', '#0a0', '#00c'].map((background) =>
      sharp({ create: { width: 800, height: 300, channels: 4, background } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(frames, { join: { animated: true } })
    .gif({ delay: 200 })
    .toBuffer();
}

/** 10,000 × 10,000 black pixels: 100 megapixels in about 300 KB. */
export function decompressionBomb(): Promise<Buffer> {
  return sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#000' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

export const SVG_WITH_SCRIPT = Buffer.from(
  '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>',
);

/** Whether EXIF (as sharp's `metadata().exif` gives it) holds a GPS record: IFD0 tag 0x8825. */
export function exifHasGps(exif: Buffer | undefined): boolean {
  if (!exif) return false;
  const tiff = exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? exif.subarray(6) : exif;
  const little = tiff.subarray(0, 2).toString('latin1') === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const ifd0 = little ? tiff.readUInt32LE(4) : tiff.readUInt32BE(4);
  for (let i = 0; i < u16(ifd0); i++) if (u16(ifd0 + 2 + i * 12) === 0x8825) return true;
  return false;
}
