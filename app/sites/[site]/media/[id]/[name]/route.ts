import { loadBlog } from '../../../load';
import { getMedia } from '@/lib/media/media';

/** An uploaded image, straight from the blog's file. Ids never change, so it caches forever. */
export async function GET(_request: Request, { params }: { params: Promise<{ site: string; id: string }> }) {
  const { site, id } = await params;
  const blog = loadBlog(site);
  const item = blog && /^\d{1,15}$/.test(id) ? getMedia(blog.handle, Number(id)) : undefined;
  if (!item) return new Response('Not found', { status: 404 });
  return new Response(new Uint8Array(item.bytes), {
    headers: {
      'Content-Type': item.mime,
      'Content-Length': String(item.size),
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  });
}
