import { z } from 'zod';
import { blogBaseUrl } from '@/lib/blogs/address';
import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/http/routes';
import { parseInput } from '@/lib/input';
import { renderMarkdown } from '@/lib/markdown/render';
import { mediaImages } from '@/lib/media/media';
import { POST_MARKDOWN_MAX } from '@/lib/posts/posts';

/** The editor's live preview: the very pipeline that publishing uses. */
export const POST = blogRoute('write-posts', async ({ request, handle }) => {
  const { markdown } = parseInput(
    z.object({ markdown: z.string().max(POST_MARKDOWN_MAX, 'This is longer than a post may be.') }),
    await readJson(request),
  );
  // The dashboard is on another host than the blog: images are addressed on the blog's.
  return { html: renderMarkdown(markdown, { images: mediaImages(handle.sqlite, blogBaseUrl(handle.slug)) }) };
});
