import { resendVerification } from '@/lib/accounts/mail-links';
import { requireApiUser } from '@/lib/auth/current';
import { apiRoute } from '@/lib/http/api';

export const POST = apiRoute(async () => {
  await resendVerification(await requireApiUser());
  return { ok: true };
});
