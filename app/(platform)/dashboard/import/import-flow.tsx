'use client';

import Link from 'next/link';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { BlogAddressField, addressFromTitle, checkBlogAddress } from '@/app/_components/blog-address';
import { HintedField } from '@/app/_components/form';
import { getJson, sendJson } from '@/app/_components/json';
import { FormMessages } from '@/app/_components/messages';
import { uploadFile } from '@/app/_components/upload';
import type { ImportJobView } from '@/lib/imports/jobs';
import { describeProgress } from '@/lib/imports/summary';
import type { ImportTargets } from '@/lib/imports/targets';
import { BLOG_TITLE_MAX } from '@/lib/input/lengths';
import { ReportSummary } from './import-report';

/** How often a running job is asked how it is going. */
const POLL_MS = 700;

type Props = {
  targets: ImportTargets;
  /** The blog named by `?into=`, when the person may import into it. */
  into?: string;
  /** The job named by `?job=` (a reload), as the server has it now. */
  initialJob?: ImportJobView;
  /** Why the job named by `?job=` is not there. */
  initialError?: string;
  /** The host part after a new blog's address (".example.com"). */
  blogSuffix: string;
  maxMegabytes: number;
};

/**
 * The import from another platform, step by step: the file up, its dry run read, the target
 * chosen, the import followed to the end. The job's id is kept in the address (`?job=`), so a
 * reload, or coming back later, shows the same step.
 */
export function ImportFlow(props: Props) {
  const [job, setJob] = useState<ImportJobView | undefined>(props.initialJob);
  const [error, setError] = useState<string | null>(props.initialError ?? null);
  const [unreachable, setUnreachable] = useState(false);
  const [retry, setRetry] = useState(0);
  const step = job?.state ?? 'choose';

  // The address names the job, or no job once the person starts over.
  const jobId = job?.id;
  useEffect(() => {
    const url = new URL(window.location.href);
    if (jobId) url.searchParams.set('job', jobId);
    else url.searchParams.delete('job');
    if (url.href !== window.location.href) window.history.replaceState(null, '', url);
  }, [jobId]);

  useEffect(() => {
    if (!job || (job.state !== 'checking' && job.state !== 'importing')) return;
    let stopped = false;
    const timer = setTimeout(async () => {
      const answer = await getJson<{ job: ImportJobView }>(`/api/imports/${encodeURIComponent(job.id)}`);
      if (stopped) return;
      if (answer.ok) {
        setUnreachable(false);
        setJob(answer.data.job);
      } else if (answer.status === 0 || answer.status >= 500) {
        // The server restarting, or the connection gone: keep asking.
        setUnreachable(true);
        setRetry((n) => n + 1);
      } else {
        if (answer.status === 404) setJob(undefined);
        setError(answer.error);
      }
    }, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [job, retry]);

  // Each step's heading takes the focus, so a keyboard or screen reader follows the change.
  const heading = useRef<HTMLHeadingElement>(null);
  const firstStep = useRef(step);
  useEffect(() => {
    if (step !== firstStep.current) heading.current?.focus();
    firstStep.current = '';
  }, [step]);

  function startOver() {
    if (job && job.state !== 'importing') void sendJson(`/api/imports/${encodeURIComponent(job.id)}`, 'DELETE', {});
    setJob(undefined);
    setError(null);
  }

  const stepHeading = (text: string) => (
    <h2 ref={heading} tabIndex={-1}>
      {text}
    </h2>
  );

  if (!job)
    return (
      <ChooseFile
        heading={stepHeading('Choose the export')}
        maxMegabytes={props.maxMegabytes}
        error={error}
        onUploaded={(uploaded) => {
          setError(null);
          setJob(uploaded);
        }}
      />
    );

  if (job.state === 'checking')
    return (
      <section aria-busy="true">
        {stepHeading(`Checking ${job.fileName}…`)}
        <p>
          <progress aria-label="Checking the export" />{' '}
          <span role="status">Reading the export without importing anything. A large one takes a minute or two.</span>
        </p>
        <Trouble unreachable={unreachable} error={error} />
      </section>
    );

  if (job.state === 'failed')
    return (
      <section>
        {stepHeading(`${job.fileName} cannot be imported`)}
        <p className="error" role="alert">
          {job.error}
        </p>
        <p>
          <button type="button" className="primary" onClick={startOver}>
            Choose another file
          </button>
        </p>
      </section>
    );

  if (job.state === 'checked')
    return (
      <section>
        {stepHeading(`What will be imported from ${job.fileName}`)}
        <ReportSummary report={job.check!} />
        {job.check!.source === 'ghost' && job.check!.images.failed.some((image) => image.url.startsWith('/')) && (
          <p className="muted">
            To bring these images too, start over and give the old site&rsquo;s address with the file: Ghost&rsquo;s export does not say it.
          </p>
        )}
        <ChooseTarget
          job={job}
          targets={props.targets}
          into={props.into}
          blogSuffix={props.blogSuffix}
          onStarted={(started) => {
            setError(null);
            setJob(started);
          }}
          onStartOver={startOver}
        />
      </section>
    );

  if (job.state === 'importing') {
    const progress = job.progress;
    const text = describeProgress(progress, (job.check?.pages ?? 0) > 0);
    const determinate = progress && progress.phase !== 'merging' && progress.expected;
    return (
      <section aria-busy="true">
        {stepHeading('Importing…')}
        <p>
          <progress
            aria-label="Import progress"
            {...(determinate ? { value: progress.items, max: progress.expected } : {})}
            aria-valuetext={text.line}
          />{' '}
          {text.line}
        </p>
        <p className="visually-hidden" role="status">
          {text.spoken}
        </p>
        <p className="muted">You may leave this page: the import goes on, and this address shows how it is going.</p>
        <Trouble unreachable={unreachable} error={error} />
      </section>
    );
  }

  return (
    <section>
      {stepHeading('Imported')}
      <ReportSummary report={job.result!} />
      <p className="button-row">
        <Link className="button primary" href={`/dashboard/${job.blog}`}>
          Open the blog&rsquo;s dashboard
        </Link>
        {job.address && (
          <a className="button" href={job.address}>
            View the blog at {new URL(job.address).host}
          </a>
        )}
        <button type="button" onClick={startOver}>
          Import another export
        </button>
      </p>
    </section>
  );
}

/** While a job runs: the connection lost (still trying), or the server's refusal. */
function Trouble({ unreachable, error }: { unreachable: boolean; error: string | null }) {
  if (error) return <FormMessages error={error} notice={null} />;
  if (unreachable) return <p className="muted">The server does not answer just now; still trying&hellip;</p>;
  return null;
}

function ChooseFile(props: { heading: ReactNode; maxMegabytes: number; error: string | null; onUploaded: (job: ImportJobView) => void }) {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const file = form.get('file');
    const site = String(form.get('site') ?? '').trim();
    if (!(file instanceof File) || file.size === 0) return setError('Choose a file first.');
    // The server's own sentence, said before the file is sent rather than after.
    if (site && !(URL.canParse(site) && /^https?:$/.test(new URL(site).protocol)))
      return setError('The old address must start with http:// or https://.');
    if (file.size > props.maxMegabytes * 1024 * 1024)
      return setError(`This file is larger than the ${props.maxMegabytes} MB import limit.`);
    setError(null);
    setProgress(0);
    const query = new URLSearchParams({ name: file.name, ...(site ? { site } : {}) });
    const result = await uploadFile(`/api/imports?${query}`, file, setProgress);
    setProgress(null);
    if (!result.ok) return setError(result.error);
    props.onUploaded(result.data.job as ImportJobView);
  }

  return (
    <section>
      {props.heading}
      <p>Export your site from where it lives now:</p>
      <ul className="import-howto">
        <li>
          <strong>WordPress</strong>: Tools &rarr; Export &rarr; All content &rarr; Download Export File (an .xml file).
        </li>
        <li>
          <strong>Ghost</strong>: Settings &rarr; Advanced &rarr; Import/Export &rarr; Export (a .json file); zip it together with your{' '}
          <code>content/images</code> folder to bring the images too.
        </li>
        <li>
          <strong>Substack</strong>: Settings &rarr; Exports &rarr; Create new export, then download the .zip.
        </li>
        <li>
          <strong>Markdown</strong> (Jekyll, Hugo, Eleventy, Astro&hellip;): zip the folder that holds your posts and their images.
        </li>
      </ul>
      <form className="stack" onSubmit={upload} noValidate>
        <HintedField label="Export file" hint={`An .xml, .json or .zip file, up to ${props.maxMegabytes} MB. Nothing is imported yet.`}>
          {(control) => (
            <input
              {...control}
              type="file"
              name="file"
              accept=".xml,.json,.zip,application/zip,application/xml,text/xml,application/json"
            />
          )}
        </HintedField>
        <HintedField
          label="The old site’s address (optional)"
          hint="A Ghost export does not say where the site was: give its address to bring its images from there."
        >
          {(control) => <input {...control} type="url" name="site" inputMode="url" placeholder="https://" autoComplete="url" />}
        </HintedField>
        {progress !== null && (
          <p>
            <progress value={progress} max={1} aria-label="Upload progress" />{' '}
            <span role="status">{progress < 1 ? `Uploading… ${Math.round(progress * 100)}%` : 'Uploaded; opening the file…'}</span>
          </p>
        )}
        <FormMessages error={error ?? props.error} notice={null} />
        <div>
          <button type="submit" className="primary" disabled={progress !== null}>
            Upload and check
          </button>
        </div>
      </form>
    </section>
  );
}

function ChooseTarget(props: {
  job: ImportJobView;
  targets: ImportTargets;
  into?: string;
  blogSuffix: string;
  onStarted: (job: ImportJobView) => void;
  onStartOver: () => void;
}) {
  const { blogs, newBlog } = props.targets;
  const siteTitle = props.job.check?.siteTitle ?? '';
  const [target, setTarget] = useState<'new' | 'existing'>(props.into || !newBlog.allowed ? 'existing' : 'new');
  const [blog, setBlog] = useState(props.into ?? blogs[0]?.slug ?? '');
  const [title, setTitle] = useState(siteTitle);
  const [address, setAddress] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const newAddress = address ?? addressFromTitle(title);
  const nowhere = blogs.length === 0 && !newBlog.allowed;

  async function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    let body: { into: string } | { slug: string; title?: string };
    if (target === 'existing') body = { into: blog };
    else {
      // Asked first: a taken address would otherwise be found only once the import is done.
      const free = await checkBlogAddress(newAddress).catch(() => ({ available: true, message: '' }));
      if (!free.available) {
        setPending(false);
        return setError(free.message);
      }
      body = { slug: newAddress, ...(title.trim() ? { title: title.trim() } : {}) };
    }
    const answer = await sendJson<{ job: ImportJobView }>(`/api/imports/${encodeURIComponent(props.job.id)}`, 'POST', body);
    setPending(false);
    if (!answer.ok) return setError(answer.error);
    props.onStarted(answer.data.job);
  }

  return (
    <form className="stack import-target" onSubmit={start} noValidate>
      {props.job.error && (
        <p className="error" role="alert">
          The import did not happen: {props.job.error} You can try again.
        </p>
      )}
      {nowhere ? (
        <p className="error">{!newBlog.allowed && newBlog.reason} You own no blog to import into.</p>
      ) : (
        <fieldset>
          <legend>Import into</legend>
          <div className="field">
            <label className="choice">
              <input
                type="radio"
                name="target"
                value="new"
                checked={target === 'new'}
                disabled={!newBlog.allowed}
                onChange={() => setTarget('new')}
              />{' '}
              A new blog
            </label>
            {!newBlog.allowed && <small>{newBlog.reason}</small>}
          </div>
          {target === 'new' && (
            <div className="choice-fields">
              <HintedField label="Title" hint={siteTitle ? `The export calls it “${siteTitle}”.` : undefined}>
                {(control) => (
                  <input {...control} name="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={BLOG_TITLE_MAX} />
                )}
              </HintedField>
              <BlogAddressField value={newAddress} onChange={setAddress} suffix={props.blogSuffix} />
            </div>
          )}
          <div className="field">
            <label className="choice">
              <input
                type="radio"
                name="target"
                value="existing"
                checked={target === 'existing'}
                disabled={blogs.length === 0}
                onChange={() => setTarget('existing')}
              />{' '}
              One of your blogs
            </label>
            {blogs.length === 0 && <small>You own no blog yet.</small>}
          </div>
          {target === 'existing' && blogs.length > 0 && (
            <div className="choice-fields">
              <HintedField
                label="Blog"
                hint="The posts are added beside its own, which stay as they are; a post whose address is taken there gets another."
              >
                {(control) => (
                  <select {...control} name="into" value={blog} onChange={(e) => setBlog(e.target.value)}>
                    {blogs.map((b) => (
                      <option key={b.slug} value={b.slug}>
                        {b.title} ({b.slug})
                      </option>
                    ))}
                  </select>
                )}
              </HintedField>
            </div>
          )}
        </fieldset>
      )}
      <FormMessages error={error} notice={null} />
      <div className="button-row">
        {!nowhere && (
          <button type="submit" className="primary" disabled={pending}>
            {pending ? 'Starting…' : props.job.error ? 'Try again' : 'Import'}
          </button>
        )}
        <button type="button" onClick={props.onStartOver}>
          Start over
        </button>
      </div>
    </form>
  );
}
