'use client';

import { useEffect, useState } from 'react';
import { getJson, sendJson } from '@/app/_components/json';
import { FormMessages } from '@/app/_components/messages';
import { sendingSummary, type SendingView } from '@/lib/newsletters/sending-state';

/** What the editor knows of a post's newsletter when it opens (lib/newsletters `newsletterInfo`). */
export type NewsletterInfo = { mailEnabled: boolean; subscribers: number; state: SendingView | null };

export const MAIL_OFF_NOTE = 'Email is not set up on this server, so posts cannot be emailed to subscribers.';

export function subscribersLabel(n: number): string {
  return `${n.toLocaleString('en')} subscriber${n === 1 ? '' : 's'}`;
}

/** Asks the server to email the post; the answer is the sending state, or the sentence to show. */
export async function emailToSubscribers(blog: string, postId: number): Promise<{ state?: SendingView; error?: string }> {
  const result = await sendJson<{ state: SendingView | null }>(`/api/blogs/${blog}/posts/${postId}/newsletter`, 'POST', {});
  return result.ok ? { state: result.data.state ?? undefined } : { error: result.error };
}

/**
 * A published post's newsletter in the editor: "Email to subscribers" (with a confirmation) while
 * it was never sent, then how far sending has gone, looked at again every few seconds until done.
 */
export function NewsletterPanel(props: {
  blog: string;
  postId: number;
  info: NewsletterInfo;
  /** Set by the editor when "Publish now" also emailed the post. */
  state: SendingView | null;
  onState: (state: SendingView) => void;
}) {
  const { blog, postId, info, state, onState } = props;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const sending = state !== null && state.queued > state.waiting;

  useEffect(() => {
    if (!sending) return;
    const timer = setInterval(async () => {
      const result = await getJson<{ state: SendingView | null }>(`/api/blogs/${blog}/posts/${postId}/newsletter`);
      if (result.ok && result.data.state) onState(result.data.state);
    }, 3_000);
    return () => clearInterval(timer);
  }, [sending, blog, postId, onState]);

  async function send() {
    setBusy(true);
    setError(null);
    const result = await emailToSubscribers(blog, postId);
    setBusy(false);
    setConfirming(false);
    if (result.error) return setError(result.error);
    if (result.state) onState(result.state);
  }

  if (state) return <SendingState state={state} />;
  if (!info.mailEnabled) return <p className="muted small">{MAIL_OFF_NOTE}</p>;
  if (info.subscribers === 0) return null;
  return (
    <div className="newsletter">
      <FormMessages error={error} notice={null} />
      {confirming ? (
        <div className="confirm" role="alertdialog" aria-label="Confirm emailing the post">
          <p>Email this post to {subscribersLabel(info.subscribers)} now? A post is emailed once.</p>
          <button type="button" className="primary" onClick={send} disabled={busy}>
            Email to {subscribersLabel(info.subscribers)}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)}>
          Email to subscribers…
        </button>
      )}
    </div>
  );
}

/** "Newsletter: Sent 40 of 50 · 2 failed", with the failures' reasons. */
function SendingState({ state }: { state: SendingView }) {
  return (
    <div className="newsletter-state">
      <p role="status">Newsletter: {sendingSummary(state)}</p>
      {state.errors.length > 0 && (
        <ul className="plain small">
          {state.errors.map((failure) => (
            <li key={failure.to}>
              {failure.to}: {failure.error}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The posts list's cell: the panel, holding its own state (a server page cannot pass a callback). */
export function PostNewsletter(props: { blog: string; postId: number; info: NewsletterInfo }) {
  const [state, setState] = useState<SendingView | null>(props.info.state);
  return <NewsletterPanel blog={props.blog} postId={props.postId} info={props.info} state={state} onState={setState} />;
}
