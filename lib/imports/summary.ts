import type { ImportProgress, ImportReport } from './apply';

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/**
 * A report as sentences, the same in the CLI and the dashboard: what was (or would be) imported,
 * the images, the old addresses kept working, then every warning.
 */
export function summariseImport(report: ImportReport): { headline: string; lines: string[] } {
  const verb = report.dryRun ? 'will be imported' : 'were imported';
  const from = report.siteTitle ? `${report.sourceName} (“${report.siteTitle}”)` : report.sourceName;
  const lines = [
    `${count(report.posts, 'post')} (${count(report.drafts, 'draft')}, ${report.scheduled.toLocaleString('en')} scheduled) and ${count(report.pages, 'page')} ${verb}, with ${count(report.tags, 'tag')} and ${count(report.comments, 'comment')}.`,
    report.dryRun
      ? `Images: ${report.images.found.toLocaleString('en')} found; ${report.images.inExport.toLocaleString('en')} in the export, ${report.images.toFetch.toLocaleString('en')} to fetch from the web${report.images.failedCount ? `, ${report.images.failedCount.toLocaleString('en')} that cannot be had` : ''}.`
      : `Images: ${report.images.stored.toLocaleString('en')} stored in the blog${report.images.failedCount ? `; ${report.images.failedCount.toLocaleString('en')} could not be fetched and still point at their old address` : ''}.`,
    `${count(report.redirects, 'old address', 'old addresses')} ${report.dryRun ? 'will lead' : 'lead'} to the new ones.`,
  ];
  if (report.skipped) lines.push(`${count(report.skipped, 'item')} left out (see the warnings).`);
  return {
    headline: `${report.dryRun ? 'Ready to import from' : 'Imported from'} ${from}${report.dryRun ? '' : ` in ${report.seconds} s`}.`,
    lines,
  };
}

/**
 * A running import as one line ("312 of 5,000 posts · 120 images"), and the shorter sentence a
 * screen reader is given: it changes by tenths, not at every step, so it can be followed.
 */
export function describeProgress(progress: ImportProgress | undefined, withPages: boolean): { line: string; spoken: string } {
  if (!progress) return { line: 'Starting…', spoken: 'Import started.' };
  if (progress.phase === 'merging') return { line: 'Finishing…', spoken: 'Finishing.' };
  const what = withPages ? 'posts and pages' : 'posts';
  const n = (value: number) => value.toLocaleString('en');
  const items = progress.expected ? `${n(progress.items)} of ${n(progress.expected)} ${what}` : `${n(progress.items)} ${what}`;
  const failed = progress.imagesFailed ? ` (${n(progress.imagesFailed)} could not be fetched)` : '';
  const tenth = progress.expected ? Math.min(100, Math.floor((progress.items / progress.expected) * 10) * 10) : undefined;
  return {
    line: `${items} · ${count(progress.images, 'image')}${failed}`,
    spoken: tenth === undefined ? 'Importing.' : `Importing: ${tenth}% done.`,
  };
}
