/**
 * A post's newsletter as the dashboard shows it, in JSON (the editor) and on the posts list.
 * No server imports: the editor, a client component, reads it too.
 */
export type SendingView = {
  total: number;
  sent: number;
  queued: number;
  failed: number;
  /** Held by the blog's daily limit until a later UTC day. */
  waiting: number;
  /** ISO time the last of them may go. */
  waitingUntil: string | null;
  /** The first failures, with the receiving server's reason. */
  errors: { to: string; error: string }[];
};

/** "Sent 40 of 50 · 2 failed · 8 waiting for tomorrow's daily limit", or "Queued". */
export function sendingSummary(view: SendingView): string {
  const parts: string[] = [];
  if (view.sent === 0 && view.failed === 0) {
    if (view.queued > view.waiting) parts.push('Queued');
  } else parts.push(`Sent ${view.sent.toLocaleString('en')} of ${view.total.toLocaleString('en')}`);
  if (view.failed > 0) parts.push(`${view.failed.toLocaleString('en')} failed`);
  if (view.waiting > 0) {
    const days = view.waitingUntil ? Math.ceil((Date.parse(view.waitingUntil) - Date.now()) / 86_400_000) : 1;
    parts.push(`${view.waiting.toLocaleString('en')} waiting for ${days > 1 ? 'the next days’' : 'tomorrow’s'} daily limit`);
  }
  return parts.join(' · ');
}
