import { receiveComment } from '@/lib/comments/submission';

/** `POST /comments` on a blog's host: the comment form under each post. */
export async function POST(request: Request, context: { params: Promise<{ site: string }> }) {
  return receiveComment(request, (await context.params).site);
}
