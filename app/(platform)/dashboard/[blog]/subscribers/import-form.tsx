'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { FormMessages } from '@/app/_components/messages';
import { uploadFile } from '@/app/_components/upload';

type Report = { added: number; kept: number; skipped: number; reasons: string[] };

/** Uploads a subscriber CSV and says what came of it: added, already here, skipped (and why). */
export function SubscriberImportForm({ url }: { url: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  return (
    <form
      className="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        const file = new FormData(event.currentTarget).get('file');
        if (!(file instanceof File) || file.size === 0) return setError('Choose a file first.');
        setError(null);
        setReport(null);
        setPending(true);
        const result = await uploadFile(url, file, () => {});
        setPending(false);
        if (!result.ok) return setError(result.error);
        setReport(result.data.report as Report);
        router.refresh();
      }}
    >
      <label className="field">
        <span>CSV file</span>
        <input type="file" name="file" accept=".csv,.txt,text/csv,text/plain" />
      </label>
      <FormMessages error={error} notice={report ? summary(report) : null} />
      {report && report.reasons.length > 0 && (
        <ul className="muted">
          {report.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
      <div>
        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Importing…' : 'Import readers'}
        </button>
      </div>
    </form>
  );
}

function summary(report: Report): string {
  const n = (count: number) => count.toLocaleString('en');
  return `Added ${n(report.added)}, already here ${n(report.kept)}, skipped ${n(report.skipped)}.`;
}
