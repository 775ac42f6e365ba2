import { resetPassword } from '@/lib/accounts/mail-links';
import { startSession } from '@/lib/auth/current';
import { apiRoute, readJson } from '@/lib/http/api';

/** A new password from a mailed link: every session ends, and this browser gets a fresh one. */
export const POST = apiRoute(async (request) => {
  const user = await resetPassword(await readJson(request, 16 * 1024));
  await startSession(user.id);
  return { redirect: '/dashboard' };
});
