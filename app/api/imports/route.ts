import { requireApiUser } from '@/lib/auth/current';
import { apiRoute } from '@/lib/http/api';
import { startImportCheck } from '@/lib/imports/jobs';

/** An export from another platform as the body (`?name=` its file name): kept, and read without importing. */
export const POST = apiRoute(async (request) => {
  const user = await requireApiUser();
  return { job: await startImportCheck(request, user, new URL(request.url).searchParams.get('name') ?? '') };
});
