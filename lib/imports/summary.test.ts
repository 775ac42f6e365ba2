import { describe, expect, it } from 'vitest';
import type { ImportReport } from './apply';
import { describeProgress, summariseImport } from './summary';

const report = (change: Partial<ImportReport> = {}): ImportReport => ({
  source: 'wordpress',
  sourceName: 'WordPress',
  siteTitle: 'Garden Notes',
  dryRun: true,
  posts: 1200,
  pages: 1,
  drafts: 1,
  scheduled: 0,
  tags: 3,
  comments: 1,
  redirects: 2,
  skipped: 0,
  images: { found: 4, inExport: 0, toFetch: 3, stored: 0, failed: [{ url: 'data:x', where: 'Post “A”', reason: 'no' }], failedCount: 1 },
  warnings: [],
  warningCount: 0,
  seconds: 1.5,
  ...change,
});

describe('summariseImport', () => {
  it('says what a dry run found, in sentences the CLI and the dashboard share', () => {
    expect(summariseImport(report())).toEqual({
      headline: 'Ready to import from WordPress (“Garden Notes”).',
      lines: [
        '1,200 posts (1 draft, 0 scheduled) and 1 page will be imported, with 3 tags and 1 comment.',
        'Images: 4 found; 0 in the export, 3 to fetch from the web, 1 that cannot be had.',
        '2 old addresses will lead to the new ones.',
      ],
    });
  });

  it('says what an import did, and what it left out', () => {
    const done = summariseImport(report({ dryRun: false, drafts: 2, skipped: 1, images: { ...report().images, stored: 3 } }));
    expect(done.headline).toBe('Imported from WordPress (“Garden Notes”) in 1.5 s.');
    expect(done.lines).toContain('1,200 posts (2 drafts, 0 scheduled) and 1 page were imported, with 3 tags and 1 comment.');
    expect(done.lines).toContain('Images: 3 stored in the blog; 1 could not be fetched and still point at their old address.');
    expect(done.lines).toContain('1 item left out (see the warnings).');
  });
});

describe('describeProgress', () => {
  it('counts items of the expected total and the images brought in', () => {
    const text = describeProgress({ items: 312, expected: 5000, images: 120, imagesFailed: 0, phase: 'writing' }, false);
    expect(text).toEqual({ line: '312 of 5,000 posts · 120 images', spoken: 'Importing: 0% done.' });
    expect(describeProgress({ items: 2600, expected: 5000, images: 1, imagesFailed: 2, phase: 'writing' }, true)).toEqual({
      line: '2,600 of 5,000 posts and pages · 1 image (2 could not be fetched)',
      spoken: 'Importing: 50% done.',
    });
  });

  it('says "Finishing…" while the import is merged into the blog, and copes without a total', () => {
    expect(describeProgress({ items: 10, expected: 10, images: 0, imagesFailed: 0, phase: 'merging' }, false).line).toBe('Finishing…');
    expect(describeProgress({ items: 7, images: 0, imagesFailed: 0, phase: 'reading' }, false)).toEqual({
      line: '7 posts · 0 images',
      spoken: 'Importing.',
    });
    expect(describeProgress(undefined, false).line).toBe('Starting…');
  });
});
