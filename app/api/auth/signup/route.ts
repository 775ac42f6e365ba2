import { signUp } from '@/lib/accounts/accounts';
import { mailVerification } from '@/lib/accounts/mail-links';
import { startSession } from '@/lib/auth/current';
import { apiRoute, readJson } from '@/lib/http/api';
import { clientIp } from '@/lib/http/request';

export const POST = apiRoute(async (request) => {
  const { user, blog } = await signUp(await readJson(request, 64 * 1024), await clientIp());
  await startSession(user.id);
  try {
    await mailVerification(user);
  } catch (error) {
    // The account exists: a mail that could not be queued is sent again from the account page.
    console.error('[quire] the verification mail could not be queued:', error);
  }
  return { redirect: `/dashboard/${blog.slug}` };
});
