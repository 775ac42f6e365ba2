import { confirmEmailChange } from '@/lib/accounts/mail-links';
import { apiRoute, readJson } from '@/lib/http/api';

/** The button behind a mailed email-change link. */
export const POST = apiRoute(async (request) => {
  await confirmEmailChange(await readJson(request, 4 * 1024));
  return { redirect: '/dashboard/account' };
});
