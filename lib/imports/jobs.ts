import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Blog, User } from '@/lib/db/schema/control';
import { config } from '@/lib/config';
import { removeQuietly, scratchFile, tenantDbPath } from '@/lib/db/paths';
import { assertWritable } from '@/lib/cluster/fence';
import { pauseWrites } from '@/lib/db/write-pause';
import { asLowDiskSpace, assertSpaceForBigWrites } from '@/lib/disk/space';
import { blogBaseUrl } from '@/lib/blogs/address';
import { assertMayOwnAnotherBlog } from '@/lib/accounts/accounts';
import { adoptAsNewBlog } from '@/lib/export/import';
import { receiveUpload } from '@/lib/uploads/receive';
import { HttpError, notFoundError } from '@/lib/http/errors';
import { InputError, parseInput } from '@/lib/input';
import { requireBlogAccess } from '@/lib/members/access';
import { bumpGeneration } from '@/lib/pagecache/generation';
import { processWide } from '@/lib/process/shared';
import { claimForAccount } from '@/lib/workers/per-account';
import { runTask } from '@/lib/workers/pool';
import { TASK } from '@/lib/workers/task-names';
import type { ImportJob, ImportProgress, ImportReport } from './apply';

/**
 * Imports from the dashboard, as jobs (docs/architecture.md, "Moving in"): the upload is kept in
 * a scratch file and read once without writing anything (the dry run, whose report the person
 * reads), then, when they say so, imported into a new blog or one of theirs, with progress. The
 * work runs on the worker pool's bulk lane; a job lives in this process's memory, belongs to the
 * account that uploaded it, and is forgotten (its file deleted) an hour after its last step.
 */

type ImportJobState = 'checking' | 'checked' | 'importing' | 'done' | 'failed';

export type ImportJobView = {
  id: string;
  fileName: string;
  state: ImportJobState;
  /** The dry run's report (from `checked` on). */
  check?: ImportReport;
  progress?: ImportProgress;
  /** The import's report (`done`). */
  result?: ImportReport;
  /** Where the imported posts are: the blog's dashboard. */
  blog?: string;
  /** The blog's public address (`done`). */
  address?: string;
  /** Why it failed: one sentence. */
  error?: string;
};

type Job = ImportJobView & { accountId: number; upload: string; siteUrl?: string; touchedAt: number };

const JOB_TTL_MS = 60 * 60_000;

export const NO_SUCH_JOB = 'There is no such import (it may have expired: upload the file again).';

/** One import at a time per account (checking or importing), and a few kept jobs. */
const JOBS_PER_ACCOUNT = 3;

const jobs = () => processWide('import-jobs', () => new Map<string, Job>());

/** Old jobs are forgotten (their uploads deleted) by a timer, whether or not anyone uploads again. */
function startSweeping(): void {
  processWide('import-job-sweeper', () => setInterval(() => forgetOldJobs(), 5 * 60_000).unref());
}

function forgetOldJobs(now = Date.now()): void {
  for (const [id, job] of jobs()) {
    if (job.state !== 'checking' && job.state !== 'importing' && now - job.touchedAt > JOB_TTL_MS) forget(id);
  }
}

function forget(id: string): void {
  const job = jobs().get(id);
  if (!job) return;
  removeQuietly(job.upload);
  jobs().delete(id);
}

function view(job: Job): ImportJobView {
  const { id, fileName, state, check, progress, result, blog, error } = job;
  return { id, fileName, state, check, progress, result, blog, address: state === 'done' && blog ? blogBaseUrl(blog) : undefined, error };
}

const fileNameSchema = z
  .string()
  .max(200)
  .transform((name) => name.replace(/[\u0000-\u001f\u007f]/g, '').trim() || 'export');

/** The old site's address, when the export does not carry it: an http(s) URL, or nothing. */
export const oldSiteUrlSchema = z
  .string()
  .trim()
  .max(500)
  .refine(
    (value) => value === '' || (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)),
    'The old address must start with http:// or https://.',
  )
  .transform((value) => (value ? new URL(value).origin : undefined));

/** Receives an export and starts its dry run; answers at once with the job. */
export async function startImportCheck(request: Request, user: User, fileName: string, oldSiteUrl = ''): Promise<ImportJobView> {
  // Everything that can refuse comes before the upload is stored.
  const siteUrl = parseInput(oldSiteUrlSchema, oldSiteUrl);
  const name = fileNameSchema.parse(fileName);
  startSweeping();
  assertSpaceForBigWrites();
  // The account's one import slot (shared with Quire's own imports), held until the dry run ends.
  const release = claimForAccount('import', user.id, BUSY);
  try {
    const mine = [...jobs().values()].filter((j) => j.accountId === user.id);
    for (const old of mine.slice(0, Math.max(0, mine.length - JOBS_PER_ACCOUNT + 1))) forget(old.id);
    const upload = await receiveUpload(request.body, Number(request.headers.get('content-length') ?? 0)).catch((error: unknown) => {
      throw asLowDiskSpace(error);
    });
    const job: Job = {
      id: randomBytes(12).toString('base64url'),
      fileName: name,
      state: 'checking',
      accountId: user.id,
      upload,
      siteUrl,
      touchedAt: Date.now(),
    };
    jobs().set(job.id, job);
    void runImportTask(job, { upload, staging: scratchFile('import-check', '.db'), dryRun: true, siteUrl })
      .then(
        (report) => settle(job, { state: 'checked', check: report }),
        (error: unknown) => settle(job, { state: 'failed', error: sentence(error) }),
      )
      .finally(release);
    return view(job);
  } catch (error) {
    release();
    throw error;
  }
}

const BUSY = 'You already have an import running. Wait for it to finish, then try again.';

export function getImportJob(user: User, id: string): ImportJobView {
  const job = findImportJob(user, id);
  if (!job) throw notFoundError(NO_SUCH_JOB);
  return job;
}

/** The job of this account with this id, if it is still kept (the import page, after a reload). */
export function findImportJob(user: User, id: string): ImportJobView | undefined {
  const job = jobs().get(id);
  return job && job.accountId === user.id ? view(job) : undefined;
}

export function discardImportJob(user: User, id: string): void {
  const job = jobs().get(id);
  if (!job || job.accountId !== user.id) return;
  if (job.state === 'importing' || job.state === 'checking')
    throw new HttpError(409, 'This export is being read or imported; it cannot be discarded now.');
  forget(id);
}

export const importTargetSchema = z.union([
  z.object({ into: z.string().min(1).max(100) }),
  z.object({ slug: z.string().max(100), title: z.string().max(500).optional() }),
]);

export type ImportTarget = z.infer<typeof importTargetSchema>;

/**
 * Starts the import of a checked export: into one of the person's blogs (owners only, checked
 * now), or as a new blog (the slug checked as sign-up checks it, when the import is adopted).
 */
export async function startImport(user: User, id: string, target: ImportTarget): Promise<ImportJobView> {
  const job = jobs().get(id);
  if (!job || job.accountId !== user.id) throw notFoundError(NO_SUCH_JOB);
  if (job.state !== 'checked')
    throw new HttpError(409, job.state === 'done' ? 'This export was imported already.' : 'This export is not ready to import.');
  assertSpaceForBigWrites();
  const into: Blog | undefined = 'into' in target ? (await requireBlogAccess(user, target.into, 'import')).blog : undefined;
  // Not into a blog whose writes are paused (another import, a move to another node).
  if (into) assertWritable(into.slug);
  // A new blog counts against the account's blogs: said now, not after minutes of work.
  if (!into) await assertMayOwnAnotherBlog(user);
  const release = claimForAccount('import', user.id, BUSY);
  // The blog's own writes wait until the import is merged in (lib/db/write-pause.ts).
  const resume = into
    ? pauseWrites(
        into.slug,
        'An import into this blog is running; changes can be saved again in a few minutes, when it is done. Nothing was changed.',
      )
    : () => undefined;
  const staging = scratchFile('import', '.db');
  Object.assign(job, {
    state: 'importing',
    progress: { items: 0, expected: job.check!.posts + job.check!.pages, images: 0, imagesFailed: 0, phase: 'writing' },
  });
  void runImportTask(job, {
    upload: job.upload,
    staging,
    dryRun: false,
    into: into && tenantDbPath(into.slug),
    expected: job.progress!.expected,
    siteUrl: job.siteUrl,
  })
    .then(async (report) => {
      if (into) {
        bumpGeneration(into.slug);
        return { report, blog: into.slug };
      }
      const t = target as { slug: string; title?: string };
      return { report, blog: (await adoptAsNewBlog(user, staging, { slug: t.slug, title: t.title })).slug };
    })
    .then(
      ({ report, blog }) => settle(job, { state: 'done', result: report, blog }),
      (error: unknown) => settle(job, { state: 'checked', error: sentence(error) }),
    )
    .finally(() => {
      resume();
      release();
      removeQuietly(staging);
    });
  return view(job);
}

function settle(job: Job, change: Partial<Job>): void {
  Object.assign(job, { error: undefined }, change, { touchedAt: Date.now() });
  if (job.state === 'done' || job.state === 'failed') removeQuietly(job.upload);
}

function runImportTask(job: Job, input: ImportJob): Promise<ImportReport> {
  return importOffThread(input, (progress) => {
    job.progress = progress;
    job.touchedAt = Date.now();
  });
}

/** Runs an import (or its dry run) on the worker pool's bulk lane; the CLI's way in too. */
export function importOffThread(input: ImportJob, onProgress: (progress: ImportProgress) => void): Promise<ImportReport> {
  return runTask<ImportReport>(TASK.importFrom, input, {
    lane: 'bulk',
    deadlineMs: config().bulkTimeoutMs,
    graceMs: 15_000,
    tooLong: input.dryRun ? 'Reading this export took too long; nothing was imported.' : 'This import took too long; nothing was imported.',
    onProgress: (progress) => onProgress(progress as ImportProgress),
  }).finally(() => {
    if (input.dryRun) removeQuietly(input.staging);
  });
}

function sentence(error: unknown): string {
  const low = asLowDiskSpace(error);
  if (low instanceof InputError || low instanceof HttpError) return low.message;
  console.error('[quire] import failed:', error);
  return 'The import failed because of an error on the server; nothing was imported. The details are in its log.';
}
