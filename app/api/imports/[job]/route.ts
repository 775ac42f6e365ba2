import { requireApiUser } from '@/lib/auth/current';
import { apiRoute, readJson } from '@/lib/http/api';
import { parseInput } from '@/lib/input';
import { discardImportJob, getImportJob, importTargetSchema, startImport } from '@/lib/imports/jobs';

type Params = { job: string };

/** Where a job is: its dry run's report, its progress, its result. */
export const GET = apiRoute<Params>(async (_request, params) => ({ job: getImportJob(await requireApiUser(), params.job) }));

/** Imports the checked export: `{ into: <blog> }` or `{ slug, title }` for a new blog. */
export const POST = apiRoute<Params>(async (request, params) => {
  const user = await requireApiUser();
  return { job: await startImport(user, params.job, parseInput(importTargetSchema, await readJson(request))) };
});

export const DELETE = apiRoute<Params>(async (_request, params) => {
  discardImportJob(await requireApiUser(), params.job);
  return { ok: true };
});
