import { config } from '@/lib/config';
import { assertSpaceForBigWrites } from '@/lib/disk/space';
import { readBody } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';
import { imageTooLargeMessage } from '@/lib/media/image';
import { SAVING_AN_IMAGE, listMedia, saveUpload } from '@/lib/media/media';

/** The blog's images, newest first (the editor's cover picker). */
export const GET = blogRoute('write-posts', ({ handle }) => ({ media: listMedia(handle) }));

/** Uploads one image (the raw bytes as the body, `?filename=…`); answers where it lives. */
export const POST = blogRoute(
  'write-posts',
  async ({ request, access }) => {
    assertSpaceForBigWrites();
    const max = config().mediaMaxBytes;
    const bytes = await readBody(request, max, imageTooLargeMessage(max));
    return saveUpload(access.blog.slug, new URL(request.url).searchParams.get('filename') ?? 'image', bytes);
  },
  SAVING_AN_IMAGE,
);
