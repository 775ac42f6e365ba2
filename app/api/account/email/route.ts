import { requestEmailChange } from '@/lib/accounts/mail-links';
import { requireApiUser } from '@/lib/auth/current';
import { apiRoute, readJson } from '@/lib/http/api';

/** Asks to move the account to a new address: a link goes there; nothing changes until it is followed. */
export const POST = apiRoute(async (request) => {
  const user = await requireApiUser();
  return { message: await requestEmailChange(user, await readJson(request, 4 * 1024)) };
});
