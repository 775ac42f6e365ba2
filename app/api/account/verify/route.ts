import { verifyEmail } from '@/lib/accounts/mail-links';
import { apiRoute, readJson } from '@/lib/http/api';

/** The button behind a mailed confirmation link (a POST, so link scanners confirm nothing). */
export const POST = apiRoute(async (request) => {
  await verifyEmail(await readJson(request, 4 * 1024));
  return { redirect: '/dashboard/account' };
});
