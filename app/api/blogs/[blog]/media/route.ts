import { readBody } from '@/lib/http/api';
import { blogRoute } from '@/lib/http/routes';
import { MEDIA_MAX_BYTES, saveMedia } from '@/lib/media/media';

/** Uploads one image (the raw bytes as the body, `?filename=…`); answers its address. */
export const POST = blogRoute('write-posts', async ({ request, handle }) => {
  const bytes = await readBody(request, MEDIA_MAX_BYTES, `An image is at most ${MEDIA_MAX_BYTES / 1024 / 1024} MB.`);
  return saveMedia(handle, new URL(request.url).searchParams.get('filename') ?? 'image', bytes);
});
