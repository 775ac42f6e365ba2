'use client';

import { useState } from 'react';
import { sendJson } from '@/app/_components/json';
import { browserStorage } from './browser-storage';

/**
 * A post's shareable preview link (lib/posts/preview.ts). The server keeps only its hash, so
 * this browser remembers the link it made, to copy it again without ending it; making one on
 * another device ends this one.
 */
export function PreviewLink(props: { blog: string; postId: number }) {
  const storageKey = `quire:preview-link:${props.blog}:${props.postId}`;
  const endpoint = `/api/blogs/${props.blog}/posts/${props.postId}/preview-link`;
  const [url, setUrl] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function copy() {
    setError(null);
    let link = browserStorage.get(storageKey);
    if (!link) {
      const result = await sendJson<{ url: string }>(endpoint, 'POST', {});
      if (!result.ok) return setError(result.error);
      link = result.data.url;
      browserStorage.set(storageKey, link);
    }
    setUrl(link);
    const copied = await navigator.clipboard?.writeText(link).then(
      () => true,
      () => false,
    );
    setMessage(`${copied ? 'Copied.' : 'Copy the link below.'} Anyone with it can read the last saved version, not published.`);
  }

  async function stop() {
    setError(null);
    const result = await sendJson(endpoint, 'DELETE', {});
    if (!result.ok) return setError(result.error);
    browserStorage.remove(storageKey);
    setUrl(null);
    setMessage('The preview link no longer works.');
  }

  return (
    <div className="preview-link">
      <div className="button-row">
        <button type="button" onClick={copy}>
          Copy preview link
        </button>
        {url && (
          <button type="button" className="link" onClick={stop}>
            Stop sharing
          </button>
        )}
      </div>
      {url && <input readOnly value={url} aria-label="Preview link" onFocus={(e) => e.target.select()} />}
      {message && (
        <p className="muted small" role="status">
          {message}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
