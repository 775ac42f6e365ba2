import { changePassword } from '@/lib/accounts/accounts';
import { requireApiUser, startSession } from '@/lib/auth/current';
import { apiRoute, readJson } from '@/lib/http/api';

/** Changing the password ends every session; this browser gets a fresh one. */
export const POST = apiRoute(async (request) => {
  const user = await requireApiUser();
  await changePassword(user, await readJson(request, 16 * 1024));
  await startSession(user.id);
  return { ok: true };
});
