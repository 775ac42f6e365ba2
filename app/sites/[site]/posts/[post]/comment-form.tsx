'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { FormMessages } from '@/app/_components/messages';
import {
  COMMENT_ACTION,
  COMMENT_BODY_MAX,
  COMMENT_FIELDS,
  COMMENT_NAME_MAX,
  COMMENT_WEBSITE_MAX,
  commentReceivedNotice,
  type CommentReceipt,
} from '@/lib/comments/fields';

/**
 * The comment form. Without JavaScript it is a plain form post (the server answers with a
 * redirect, or a page holding the reader's text). With it, it is sent with fetch: a refusal is
 * shown here and every field keeps what was typed.
 */
export function CommentForm({ post, moderated }: { post: string; moderated: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    setPending(true);
    setError(null);
    setNotice(null);
    const fields = [...new FormData(form).entries()].map(([name, value]) => [name, String(value)]);
    try {
      const response = await fetch(COMMENT_ACTION, {
        method: 'POST',
        headers: { accept: 'application/json' },
        body: new URLSearchParams(fields),
      });
      const data = (await response.json().catch(() => ({}))) as Partial<CommentReceipt> & { error?: string };
      if (!response.ok || !data.status) {
        setError(data.error ?? `The comment could not be sent (the server answered ${response.status}). Your text is still here.`);
        return;
      }
      (form.elements.namedItem(COMMENT_FIELDS.body) as HTMLTextAreaElement).value = '';
      setNotice(commentReceivedNotice(data.status));
      // A comment published at once: show it (a fresh render, not the cached page).
      if (data.status === 'approved') router.refresh();
    } catch {
      setError('The comment could not be sent: the blog could not be reached. Your text is still here.');
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="comment-form" method="post" action={COMMENT_ACTION} onSubmit={submit}>
      <h3>Leave a comment</h3>
      <input type="hidden" name={COMMENT_FIELDS.post} value={post} />
      <label>
        <span>Name</span>
        <input name={COMMENT_FIELDS.name} required maxLength={COMMENT_NAME_MAX} autoComplete="name" />
      </label>
      <label>
        <span>
          Website <small>(optional)</small>
        </span>
        <input name={COMMENT_FIELDS.website} type="url" maxLength={COMMENT_WEBSITE_MAX} autoComplete="url" placeholder="https://" />
      </label>
      {/* Hidden from people (and from screen readers and the keyboard); bots fill it in. */}
      <div aria-hidden="true" style={{ position: 'absolute', left: '-10000px', width: 1, height: 1, overflow: 'hidden' }}>
        <label>
          Leave this empty <input name={COMMENT_FIELDS.honeypot} tabIndex={-1} autoComplete="off" />
        </label>
      </div>
      <label>
        <span>Comment</span>
        <textarea name={COMMENT_FIELDS.body} required maxLength={COMMENT_BODY_MAX} rows={6} aria-describedby="comment-hint" />
      </label>
      <small id="comment-hint">
        Plain text, or simple Markdown: *emphasis*, **strong**, `code`, &gt; quotes, lists and links.
        {moderated && ' Comments appear once the author has approved them.'}
      </small>
      <FormMessages error={error} notice={notice} />
      <button type="submit" disabled={pending}>
        {pending ? 'Sending…' : 'Post comment'}
      </button>
    </form>
  );
}
