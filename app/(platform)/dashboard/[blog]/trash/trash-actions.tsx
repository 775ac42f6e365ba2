'use client';

import { RowActions } from '@/app/_components/row-actions';

/** Restore, or delete for good (after a confirmation), one post or page in the trash. */
export function TrashActions({ url, kind, title }: { url: string; kind: 'post' | 'page'; title: string }) {
  return (
    <RowActions
      url={url}
      question={`Delete this ${kind} for good? This cannot be undone${kind === 'post' ? ': its comments and statistics go with it' : ''}.`}
      deleteLabel="Delete for good"
      askLabel="Delete now…"
      askName={`Delete now: "${title}"`}
    >
      {(send, pending) => (
        <button
          type="button"
          className="primary"
          disabled={pending}
          onClick={() => send(`${url}/restore`, 'POST')}
          aria-label={`Restore "${title}"`}
        >
          Restore
        </button>
      )}
    </RowActions>
  );
}
