'use client';

import type { ReactNode } from 'react';
import type { ImportReport } from '@/lib/imports/apply';
import { summariseImport } from '@/lib/imports/summary';

const number = (n: number) => n.toLocaleString('en');

/** Lists longer than this are folded away behind their count. */
const FOLD_AFTER = 5;

/** A report as the CLI says it (summariseImport), then the images left behind and the warnings. */
export function ReportSummary({ report }: { report: ImportReport }) {
  const { headline, lines } = summariseImport(report);
  const failed = report.images.failed;
  return (
    <>
      <p className="import-headline">{headline}</p>
      <ul>
        {lines.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {failed.length > 0 && (
        <>
          <h3>{report.dryRun ? 'Images that cannot be had' : 'Images that could not be fetched'}</h3>
          <p className="muted small">The posts keep showing these from their old address for as long as it answers.</p>
          <FoldedList label={`${number(report.images.failedCount)} images`}>
            {failed.map((image, i) => (
              <li key={i}>
                {image.where}: <code>{image.url}</code> &mdash; {image.reason}
              </li>
            ))}
            {report.images.failedCount > failed.length && <li>… and {number(report.images.failedCount - failed.length)} more</li>}
          </FoldedList>
        </>
      )}
      {report.warningCount > 0 && (
        <>
          <h3>Warnings ({number(report.warningCount)})</h3>
          <FoldedList label={`${number(report.warningCount)} warnings`}>
            {report.warnings.map((warning, i) => (
              <li key={i}>{warning}</li>
            ))}
          </FoldedList>
          {report.warningCount > report.warnings.length && (
            <p className="muted small">
              The first {number(report.warnings.length)} are listed; {number(report.warningCount - report.warnings.length)} more are alike.
            </p>
          )}
        </>
      )}
    </>
  );
}

/** A list shown whole when short, else behind a disclosure that names its length. */
function FoldedList({ label, children }: { label: string; children: ReactNode[] }) {
  const list = <ul className="import-list">{children}</ul>;
  if (children.length <= FOLD_AFTER) return list;
  return (
    <details className="import-details">
      <summary>Show all {label}</summary>
      {list}
    </details>
  );
}
