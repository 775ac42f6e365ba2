import { requireApiUser } from '@/lib/auth/current';
import { apiRoute } from '@/lib/http/api';
import { startImportCheck } from '@/lib/imports/jobs';

/**
 * An export from another platform as the body (`?name=` its file name, `&site=` the old site's
 * address when the export lacks it): kept, and read without importing.
 */
export const POST = apiRoute(async (request) => {
  const user = await requireApiUser();
  const query = new URL(request.url).searchParams;
  return { job: await startImportCheck(request, user, query.get('name') ?? '', query.get('site') ?? '') };
});
