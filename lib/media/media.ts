import { eq } from 'drizzle-orm';
import type { TenantHandle } from '@/lib/db/pool';
import { media } from '@/lib/db/schema/tenant';
import { InputError } from '@/lib/input';

export const MEDIA_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Images only, recognised by their first bytes, never by name or declared type: a file that
 * says it is a PNG but is not gets refused. SVG is refused (it can carry script).
 */
export function sniffImage(bytes: Buffer): 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | null {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return 'image/gif';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

/** A name safe in a URL and a zip: letters, digits, dot, dash, underscore. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^[.-]+/, '').slice(-100);
  return cleaned || 'image';
}

export function saveMedia(handle: TenantHandle, filename: string, bytes: Buffer, id?: number): { id: number; filename: string; url: string } {
  if (bytes.length === 0) throw new InputError('This file is empty.');
  if (bytes.length > MEDIA_MAX_BYTES) throw new InputError(`An image is at most ${MEDIA_MAX_BYTES / 1024 / 1024} MB.`);
  const mime = sniffImage(bytes);
  if (!mime) throw new InputError('Only PNG, JPEG, GIF and WebP images can be uploaded.');
  const name = safeFilename(filename);
  const row = handle.orm
    .insert(media)
    .values({ ...(id ? { id } : {}), filename: name, mime, size: bytes.length, bytes, createdAt: new Date() })
    .returning({ id: media.id })
    .get();
  return { id: row.id, filename: name, url: mediaPath(row.id, name) };
}

export function mediaPath(id: number, filename: string): string {
  return `/media/${id}/${encodeURIComponent(filename)}`;
}

export function getMedia(handle: TenantHandle, id: number) {
  return handle.orm.select().from(media).where(eq(media.id, id)).get();
}
