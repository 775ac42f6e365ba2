import { loadBlog } from '../../../load';
import { mediaResponse } from '@/lib/media/serve';

/** An uploaded image or one of its smaller copies, straight from the blog's file. */
export async function GET(request: Request, { params }: { params: Promise<{ site: string; id: string; path: string[] }> }) {
  const { site, id, path } = await params;
  const blog = loadBlog(site);
  if (!blog) return new Response('Not found', { status: 404 });
  return mediaResponse(blog.handle, id, path, request.headers.get('if-none-match'));
}
