import { logIn } from '@/lib/accounts/accounts';
import { startSession } from '@/lib/auth/current';
import { apiRoute, readJson } from '@/lib/http/api';
import { clientIp } from '@/lib/http/request';
import { safeNextPath } from '@/lib/http/routes';

export const POST = apiRoute(async (request) => {
  const body = await readJson(request, 16 * 1024);
  const user = await logIn(body, await clientIp());
  await startSession(user.id);
  return { redirect: safeNextPath((body as { next?: unknown }).next) };
});
