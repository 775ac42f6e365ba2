import { z } from 'zod';
import { clearSessionCookie, currentSession } from '@/lib/auth/current';
import { invalidateSession, invalidateUserSessions } from '@/lib/auth/sessions';
import { apiRoute, readJson } from '@/lib/http/api';
import { parseInput } from '@/lib/input';

export const POST = apiRoute(async (request) => {
  const { everywhere } = parseInput(z.object({ everywhere: z.boolean().default(false) }), await readJson(request, 1024));
  const valid = await currentSession();
  if (valid) {
    if (everywhere) await invalidateUserSessions(valid.user.id);
    else await invalidateSession(valid.session.id);
  }
  await clearSessionCookie();
  return { redirect: '/login' };
});
