import { idParam } from '@/lib/http/routes';
import { blogRoute } from '@/lib/members/blog-route';
import { emailPost, newsletterStates } from '@/lib/newsletters/send';

type Params = { blog: string; id: string };

/** Emails the published post to the blog's subscribers, once. Whoever may publish may send it. */
export const POST = blogRoute<Params>('write-posts', async ({ params, handle, access }) => {
  const postId = idParam(params.id);
  const sent = await emailPost(access.blog, handle, postId);
  return { ...sent, state: (await newsletterStates(access.blog.id, [postId])).get(postId) ?? null };
});

/** How far the post's newsletter has gone (null: never emailed). */
export const GET = blogRoute<Params>('write-posts', async ({ params, access }) => {
  const postId = idParam(params.id);
  return { state: (await newsletterStates(access.blog.id, [postId])).get(postId) ?? null };
});
