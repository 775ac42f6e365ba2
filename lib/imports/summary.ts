import type { ImportReport } from './apply';

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
      ? `Images: ${report.images.found.toLocaleString('en')} found; ${report.images.inExport.toLocaleString('en')} in the export, ${report.images.toFetch.toLocaleString('en')} to fetch from the web${report.images.failed.length ? `, ${report.images.failed.length.toLocaleString('en')} that cannot be had` : ''}.`
      : `Images: ${report.images.stored.toLocaleString('en')} stored in the blog${report.images.failed.length ? `; ${report.images.failed.length.toLocaleString('en')} could not be fetched and still point at their old address` : ''}.`,
    `${count(report.redirects, 'old address', 'old addresses')} ${report.dryRun ? 'will lead' : 'lead'} to the new ones.`,
  ];
  if (report.skipped) lines.push(`${count(report.skipped, 'item')} left out (see the warnings).`);
  return {
    headline: `${report.dryRun ? 'Ready to import from' : 'Imported from'} ${from}${report.dryRun ? '' : ` in ${report.seconds} s`}.`,
    lines,
  };
}
