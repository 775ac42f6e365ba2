import { requireUser } from '@/lib/auth/current';
import { config, platformUrl } from '@/lib/config';
import { NO_SUCH_JOB, findImportJob } from '@/lib/imports/jobs';
import { importTargets } from '@/lib/imports/targets';
import { ImportFlow } from './import-flow';

export const metadata = { title: 'Import from another platform · Quire' };

type Query = { into?: string | string[]; job?: string | string[] };

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function ImportPage({ searchParams }: { searchParams: Promise<Query> }) {
  const user = await requireUser();
  const query = await searchParams;
  const targets = await importTargets(user);
  const into = targets.blogs.find((blog) => blog.slug === one(query.into));
  const jobId = one(query.job);
  const job = jobId ? findImportJob(user, jobId) : undefined;
  return (
    <main className="page">
      <h1>Import from another platform</h1>
      <p>
        Bring your posts and pages from WordPress, Ghost, Substack or a folder of Markdown files
        {into ? (
          <>
            {' '}
            into <strong>{into.title}</strong>
          </>
        ) : (
          ' as a new blog or into one of yours'
        )}
        , with their dates, addresses, tags, comments and images; their old addresses lead to the new ones. Nothing is imported until you
        have read what will be.
      </p>
      <ImportFlow
        targets={targets}
        into={into?.slug}
        initialJob={job}
        initialError={jobId && !job ? NO_SUCH_JOB : undefined}
        blogSuffix={`.${new URL(platformUrl()).host}`}
        maxMegabytes={Math.round(config().importMaxBytes / 1024 / 1024)}
      />
    </main>
  );
}
