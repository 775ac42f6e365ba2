import { signUp } from '@/lib/accounts/accounts';
import { startSession } from '@/lib/auth/current';
import { apiRoute, readJson } from '@/lib/http/api';
import { clientIp } from '@/lib/http/request';

export const POST = apiRoute(async (request) => {
  const { user, blog } = await signUp(await readJson(request, 64 * 1024), await clientIp());
  await startSession(user.id);
  return { redirect: `/dashboard/${blog.slug}` };
});
