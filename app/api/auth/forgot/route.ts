import { requestPasswordReset } from '@/lib/accounts/mail-links';
import { apiRoute, readJson } from '@/lib/http/api';
import { clientIp } from '@/lib/http/request';

/** "Forgot password?": the same answer for every address (lib/accounts/mail-links.ts). */
export const POST = apiRoute(async (request) => {
  const message = requestPasswordReset(await readJson(request, 4 * 1024), await clientIp());
  return { message };
});
