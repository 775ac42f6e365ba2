'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { sendJson } from '@/app/_components/json';
import type { CommentStatus } from '@/lib/comments/comments';

/** Approve, mark as spam, or delete (after a confirmation) one comment. */
export function ModerationButtons({ url, status }: { url: string; status: CommentStatus }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  async function send(method: 'PATCH' | 'DELETE', body: unknown) {
    setPending(true);
    setError(null);
    const result = await sendJson(url, method, body);
    setPending(false);
    if (!result.ok) return setError(result.error);
    setConfirmDelete(false);
    router.refresh();
  }

  return (
    <div className="button-row">
      {status !== 'approved' && (
        <button type="button" className="primary" disabled={pending} onClick={() => send('PATCH', { status: 'approved' })}>
          Approve
        </button>
      )}
      {status !== 'spam' && (
        <button type="button" disabled={pending} onClick={() => send('PATCH', { status: 'spam' })}>
          Mark as spam
        </button>
      )}
      {confirmDelete ? (
        <span className="confirm" role="alertdialog" aria-label="Confirm deletion">
          <span>Delete this comment? This cannot be undone.</span>
          <button type="button" className="danger" disabled={pending} onClick={() => send('DELETE', {})}>
            Delete comment
          </button>
          <button type="button" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" className="link danger-link" onClick={() => setConfirmDelete(true)}>
          Delete…
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
