import { requireApiUser } from '@/lib/auth/current';
import { setCommentMail } from '@/lib/comments/notices';
import { apiRoute, readJson } from '@/lib/http/api';

/** The signed-in person's own mail settings: `{ commentMail: boolean }`. */
export const POST = apiRoute(async (request) => {
  const user = await requireApiUser();
  return await setCommentMail(user.id, await readJson(request, 1024));
});
