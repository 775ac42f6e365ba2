import { DECLARED_LENGTH_HEADER } from '@/lib/http/headers';
import { etagMatches } from '@/lib/http/etag';
import { openTenant, type TenantHandle } from '@/lib/db/pool';
import { processWide } from '@/lib/process/shared';
import { cleanLegacyImage, MEDIA_NAME } from './media';

/**
 * Images on the blog's host: `/media/<id>/<name>` and its copies `/media/<id>/w<width>/<name>`.
 * An id's bytes never change, so every answer may be cached forever; the ETag is the content's
 * hash, for clients that ask anyway.
 */

const HEADERS = {
  'Cache-Control': 'public, max-age=31536000, immutable',
  'X-Content-Type-Options': 'nosniff',
  // Opened directly, an image is a document: it may run nothing and load nothing.
  'Content-Security-Policy': "default-src 'none'; sandbox",
};

type Target = { id: number; width?: number; name: string };

/** `[id]` and the rest of the path, from the route; null for anything that is not ours. */
function parseTarget(id: string, rest: string[]): Target | null {
  if (!/^\d{1,15}$/.test(id)) return null;
  const [first, second] = rest;
  if (rest.length === 1 && MEDIA_NAME.test(first!)) return { id: Number(id), name: first! };
  const width = /^w(\d{1,5})$/.exec(first ?? '');
  if (rest.length === 2 && width && MEDIA_NAME.test(second!)) return { id: Number(id), width: Number(width[1]), name: second! };
  return null;
}

type Found = { mime: string; size: number; bytes: Buffer; etag: string; legacy: boolean };

function find(handle: TenantHandle, target: Target): Found | undefined {
  if (target.width === undefined) {
    const row = handle
      .statement('media.serve.original', () => handle.sqlite.prepare('select filename, mime, size, bytes, sha256 from media where id = ?'))
      .get(target.id) as { filename: string; mime: string; size: number; bytes: Buffer; sha256: string | null } | undefined;
    if (!row || row.filename !== target.name) return undefined;
    return { mime: row.mime, size: row.size, bytes: row.bytes, etag: `"${row.sha256?.slice(0, 32)}"`, legacy: row.sha256 === null };
  }
  const row = handle
    .statement('media.serve.variant', () =>
      handle.sqlite.prepare(
        'select m.filename, m.sha256, v.mime, v.size, v.bytes from media_variants v join media m on m.id = v.media_id where v.media_id = ? and v.width = ?',
      ),
    )
    .get(target.id, target.width) as { filename: string; sha256: string; mime: string; size: number; bytes: Buffer } | undefined;
  if (!row || row.filename !== target.name) return undefined;
  // A copy is made from the image by the encoder of its day: its size tells two makings apart.
  return {
    mime: row.mime,
    size: row.size,
    bytes: row.bytes,
    etag: `"${row.sha256.slice(0, 32)}-w${target.width}-${row.size}"`,
    legacy: false,
  };
}

/** The answer to a GET (or HEAD) of an image; `ifNoneMatch` is the request's header. */
export async function mediaResponse(handle: TenantHandle, id: string, rest: string[], ifNoneMatch: string | null): Promise<Response> {
  const target = parseTarget(id, rest);
  let found = target && find(handle, target);
  if (target && found?.legacy) {
    await cleanOnce(handle.slug, target.id);
    found = find(openTenant(handle.slug), target);
  }
  if (!target || !found)
    return new Response('Not found', {
      status: 404,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
    });
  if (ifNoneMatch && etagMatches(ifNoneMatch, found.etag)) {
    return new Response(null, { status: 304, headers: { ...HEADERS, ETag: found.etag } });
  }
  return new Response(new Uint8Array(found.bytes.buffer as ArrayBuffer, found.bytes.byteOffset, found.bytes.byteLength), {
    headers: {
      ...HEADERS,
      'Content-Type': found.mime,
      [DECLARED_LENGTH_HEADER]: String(found.bytes.length),
      ETag: found.etag,
    },
  });
}

/** Readers asking at once for the same old image wait for one cleaning of it. */
function cleanOnce(slug: string, id: number): Promise<void> {
  const running = processWide('media.cleaning', () => new Map<string, Promise<void>>());
  const key = `${slug}/${id}`;
  let job = running.get(key);
  if (!job) {
    job = cleanLegacyImage(() => openTenant(slug).sqlite, id).finally(() => running.delete(key));
    running.set(key, job);
  }
  return job;
}
