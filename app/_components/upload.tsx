'use client';

import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { FormMessages } from './messages';

type UploadResult = { ok: true; data: Record<string, unknown> } | { ok: false; error: string };

/** Sends a file as the request body, reporting upload progress (fetch cannot). */
export function uploadFile(url: string, file: File, onProgress: (fraction: number) => void): Promise<UploadResult> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onload = () => {
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve({ ok: true, data });
      else resolve({ ok: false, error: typeof data.error === 'string' ? data.error : `The server answered ${xhr.status}.` });
    };
    xhr.onerror = () => resolve({ ok: false, error: 'The upload failed: the server could not be reached.' });
    xhr.send(file);
  });
}

/**
 * Picks a blog file (.db) or a Markdown zip and uploads it, with a progress bar while it goes
 * and the server's sentence if it is refused. `url` gets the other fields as its query.
 */
export function ImportForm(props: { url: string; submitLabel: string; children?: ReactNode; confirm?: string; fields?: string[] }) {
  const router = useRouter();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <form
      className="stack"
      onSubmit={async (event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const file = form.get('file');
        if (!(file instanceof File) || file.size === 0) return setError('Choose a file first.');
        if (props.confirm && !window.confirm(props.confirm)) return;
        const query = new URLSearchParams();
        for (const field of props.fields ?? []) query.set(field, String(form.get(field) ?? ''));
        setError(null);
        setNotice(null);
        setProgress(0);
        const result = await uploadFile(`${props.url}${query.size ? `?${query}` : ''}`, file, setProgress);
        setProgress(null);
        if (!result.ok) return setError(result.error);
        if (typeof result.data.redirect === 'string') return router.push(result.data.redirect);
        setNotice('Imported. The previous version was kept as a snapshot.');
        router.refresh();
      }}
    >
      {props.children}
      <label className="field">
        <span>Blog file or Markdown zip</span>
        <input type="file" name="file" accept=".db,.sqlite,.sqlite3,.zip,application/zip,application/vnd.sqlite3" />
      </label>
      <p className="muted small">A blog file (.db) exported from Quire, or a Markdown zip in Quire&rsquo;s export format.</p>
      {progress !== null && (
        <p>
          <progress value={progress} max={1} aria-label="Upload progress" />{' '}
          {progress < 1 ? `Uploading… ${Math.round(progress * 100)}%` : 'Checking the file…'}
        </p>
      )}
      <FormMessages error={error} notice={notice} />
      <div>
        <button type="submit" className="primary" disabled={progress !== null}>
          {props.submitLabel}
        </button>
      </div>
    </form>
  );
}
