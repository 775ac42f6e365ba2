import { z } from 'zod';
import { blogBaseUrl } from '@/lib/blogs/address';
import { readJson } from '@/lib/http/api';
import { blogRoute } from '@/lib/members/blog-route';
import { parseInput } from '@/lib/input';
import { renderMarkdownOffThread } from '@/lib/markdown/off-thread';
import { mediaImageTable } from '@/lib/media/media';
import { onePerAccount } from '@/lib/workers/per-account';
import { POST_MARKDOWN_MAX } from '@/lib/input/lengths';

/** The editor's live preview (and automatic excerpt): the very pipeline that publishing uses, one at a time per person. */
export const POST = blogRoute('write-posts', async ({ request, handle, user }) => {
  const { markdown } = parseInput(
    z.object({ markdown: z.string().max(POST_MARKDOWN_MAX, 'This is longer than a post may be.') }),
    await readJson(request),
  );
  // The dashboard is on another host than the blog: images are addressed on the blog's.
  const images = mediaImageTable(handle.sqlite, markdown, blogBaseUrl(handle.slug));
  return onePerAccount('preview', user.id, 'A preview is still being made.', async () => {
    const rendered = await renderMarkdownOffThread(
      markdown,
      images,
      'This text took too long to format for a preview. Simplify its formatting.',
    );
    // The excerpt is the editor's placeholder for its Excerpt field: what readers get if it stays empty.
    return { html: rendered.html, excerpt: rendered.excerpt };
  });
});
