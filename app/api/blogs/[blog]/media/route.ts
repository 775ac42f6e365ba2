import { HttpError } from '@/lib/http/errors';
import { blogRoute } from '@/lib/http/routes';
import { MEDIA_MAX_BYTES, saveMedia } from '@/lib/media/media';

/** Uploads one image (the raw bytes as the body, `?filename=…`); answers its address. */
export const POST = blogRoute('write-posts', async ({ request, handle }) => {
  if (Number(request.headers.get('content-length') ?? 0) > MEDIA_MAX_BYTES) {
    throw new HttpError(413, `An image is at most ${MEDIA_MAX_BYTES / 1024 / 1024} MB.`);
  }
  const bytes = Buffer.from(await request.arrayBuffer());
  return saveMedia(handle, new URL(request.url).searchParams.get('filename') ?? 'image', bytes);
});
