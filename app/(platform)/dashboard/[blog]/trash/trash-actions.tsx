'use client';

import { useRowAction } from '@/app/_components/row-action';

/** Restore, or delete for good (after a confirmation), one post or page in the trash. */
export function TrashActions({ url, kind, title }: { url: string; kind: 'post' | 'page'; title: string }) {
  const { error, pending, confirmDelete, setConfirmDelete, send } = useRowAction();

  return (
    <div className="button-row">
      <button
        type="button"
        className="primary"
        disabled={pending}
        onClick={() => send(`${url}/restore`, 'POST')}
        aria-label={`Restore "${title}"`}
      >
        Restore
      </button>
      {confirmDelete ? (
        <span className="confirm" role="alertdialog" aria-label="Confirm deletion">
          <span>
            Delete this {kind} for good? This cannot be undone{kind === 'post' ? ': its comments and statistics go with it' : ''}.
          </span>
          <button type="button" className="danger" disabled={pending} onClick={() => send(url, 'DELETE')}>
            Delete for good
          </button>
          <button type="button" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" className="link danger-link" onClick={() => setConfirmDelete(true)} aria-label={`Delete now: "${title}"`}>
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
