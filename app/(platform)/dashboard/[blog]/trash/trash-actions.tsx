'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { sendJson } from '@/app/_components/json';

/** Restore, or delete for good (after a confirmation), one post or page in the trash. */
export function TrashActions({ url, kind, title }: { url: string; kind: 'post' | 'page'; title: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  async function send(method: 'POST' | 'DELETE', target: string) {
    setPending(true);
    setError(null);
    const result = await sendJson(target, method, {});
    setPending(false);
    if (!result.ok) return setError(result.error);
    setConfirmDelete(false);
    router.refresh();
  }

  return (
    <div className="button-row">
      <button type="button" className="primary" disabled={pending} onClick={() => send('POST', `${url}/restore`)} aria-label={`Restore "${title}"`}>
        Restore
      </button>
      {confirmDelete ? (
        <span className="confirm" role="alertdialog" aria-label="Confirm deletion">
          <span>
            Delete this {kind} for good? This cannot be undone{kind === 'post' ? ': its comments and statistics go with it' : ''}.
          </span>
          <button type="button" className="danger" disabled={pending} onClick={() => send('DELETE', url)}>
            Delete for good
          </button>
          <button type="button" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" className="link danger-link" onClick={() => setConfirmDelete(true)} aria-label={`Delete "${title}" now`}>
          Delete now…
        </button>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
