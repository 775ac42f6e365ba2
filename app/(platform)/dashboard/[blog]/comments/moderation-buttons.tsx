'use client';

import { useRowAction } from '@/app/_components/row-action';
import type { CommentStatus } from '@/lib/comments/comments';

/** Approve, mark as spam, or delete (after a confirmation) one comment. */
export function ModerationButtons({ url, status }: { url: string; status: CommentStatus }) {
  const { error, pending, confirmDelete, setConfirmDelete, send } = useRowAction();

  return (
    <div className="button-row">
      {status !== 'approved' && (
        <button type="button" className="primary" disabled={pending} onClick={() => send(url, 'PATCH', { status: 'approved' })}>
          Approve
        </button>
      )}
      {status !== 'spam' && (
        <button type="button" disabled={pending} onClick={() => send(url, 'PATCH', { status: 'spam' })}>
          Mark as spam
        </button>
      )}
      {confirmDelete ? (
        <span className="confirm" role="alertdialog" aria-label="Confirm deletion">
          <span>Delete this comment? This cannot be undone.</span>
          <button type="button" className="danger" disabled={pending} onClick={() => send(url, 'DELETE')}>
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
