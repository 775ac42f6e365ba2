'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { sendJson } from '@/app/_components/json';
import { uploadFile } from '@/app/_components/upload';

/** Uploads images from the media library, one after the other, with progress and refusals. */
export function MediaUpload({ blog }: { blog: string }) {
  const router = useRouter();
  const [status, setStatus] = useState<string | null>(null);
  const [errors, setErrors] = useState<string[]>([]);

  async function upload(files: File[]) {
    setErrors([]);
    for (const file of files) {
      setStatus(`Uploading ${file.name}…`);
      const result = await uploadFile(`/api/blogs/${blog}/media?filename=${encodeURIComponent(file.name)}`, file, (f) =>
        setStatus(f < 1 ? `Uploading ${file.name}… ${Math.round(f * 100)}%` : `Preparing ${file.name}…`),
      );
      if (!result.ok) setErrors((list) => [...list, `${file.name}: ${result.error}`]);
      router.refresh();
    }
    setStatus(null);
  }

  return (
    <div className="media-upload">
      <label className="insert-image">
        <input
          type="file"
          multiple
          accept="image/png,image/jpeg,image/gif,image/webp"
          aria-label="Upload images"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            void upload(files);
          }}
        />
        <span className="button primary">Upload images…</span>
      </label>
      {status && (
        <span className="muted" role="status">
          {' '}
          {status}
        </span>
      )}
      {errors.map((error) => (
        <p key={error} className="error" role="alert">
          {error}
        </p>
      ))}
    </div>
  );
}

/** Copy the image's address on the blog; delete it, after a confirmation, when nothing uses it. */
export function MediaActions(props: { blog: string; id: number; filename: string; url: string; used: boolean }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(props.url);
      setMessage('Link copied.');
    } catch {
      // No clipboard (an insecure origin, or permission refused): show it to copy by hand.
      setMessage(props.url);
    }
  }

  async function remove() {
    setPending(true);
    const result = await sendJson(`/api/blogs/${props.blog}/media/${props.id}`, 'DELETE', {});
    setPending(false);
    setConfirming(false);
    if (!result.ok) return setError(result.error);
    router.refresh();
  }

  return (
    <div className="media-actions">
      <div className="button-row">
        <button type="button" onClick={copy} aria-label={`Copy link to ${props.filename}`}>
          Copy link
        </button>
        {!props.used && !confirming && (
          <button type="button" className="link danger-link" onClick={() => setConfirming(true)} aria-label={`Delete ${props.filename}`}>
            Delete…
          </button>
        )}
      </div>
      {confirming && (
        <div className="confirm" role="alertdialog" aria-label={`Confirm deleting ${props.filename}`}>
          <p>Delete {props.filename}? This cannot be undone.</p>
          <div className="button-row">
            <button type="button" className="danger" onClick={remove} disabled={pending}>
              Delete image
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {message && <p className="muted small media-link">{message}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
