'use client';

import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { sendJson } from './json';

type Send = (url: string, method: 'POST' | 'PATCH' | 'DELETE', body?: unknown) => Promise<void>;

/**
 * A row's buttons in a dashboard list (moderate a comment, restore from the trash): one request
 * at a time, its refusal shown, the list refreshed after, and a delete that asks first.
 * `children`, if any, draws the row's other buttons with `send`.
 */
export function RowActions(props: {
  /** DELETE goes here once confirmed. */
  url: string;
  question: ReactNode;
  deleteLabel: string;
  /** The button that asks: its text, and a longer name when the text alone says not what. */
  askLabel: string;
  askName?: string;
  children?: (send: Send, pending: boolean) => ReactNode;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const send: Send = async (url, method, body = {}) => {
    setPending(true);
    setError(null);
    const result = await sendJson(url, method, body);
    setPending(false);
    if (!result.ok) return setError(result.error);
    setConfirming(false);
    router.refresh();
  };

  return (
    <div className="button-row">
      {props.children?.(send, pending)}
      {confirming ? (
        <span className="confirm" role="alertdialog" aria-label="Confirm deletion">
          <span>{props.question}</span>
          <button type="button" className="danger" disabled={pending} onClick={() => send(props.url, 'DELETE')}>
            {props.deleteLabel}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" className="link danger-link" onClick={() => setConfirming(true)} aria-label={props.askName}>
          {props.askLabel}
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
