'use client';

import { RowActions } from '@/app/_components/row-actions';
import type { CommentStatus } from '@/lib/comments/comments';

/** Approve, mark as spam, or delete (after a confirmation) one comment. */
export function ModerationButtons({ url, status }: { url: string; status: CommentStatus }) {
  return (
    <RowActions url={url} question="Delete this comment? This cannot be undone." deleteLabel="Delete comment" askLabel="Delete…">
      {(send, pending) => (
        <>
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
        </>
      )}
    </RowActions>
  );
}
