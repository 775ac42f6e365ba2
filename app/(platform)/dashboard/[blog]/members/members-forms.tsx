'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { JsonForm } from '@/app/_components/form';
import { sendJson } from '@/app/_components/json';

export function InviteForm({ blog }: { blog: string }) {
  const [url, setUrl] = useState<string | null>(null);
  return (
    <>
      <JsonForm
        action={`/api/blogs/${blog}/invites`}
        submitLabel="Create invitation link"
        className="inline-form"
        onSuccess={(data) => setUrl(String(data.url))}
      >
        <label className="field">
          <span>Role</span>
          <select name="role" defaultValue="editor">
            <option value="editor">Editor</option>
            <option value="owner">Owner</option>
          </select>
        </label>
      </JsonForm>
      {url && (
        <p className="notice">
          Send this link; copy it now, it is not shown again:{' '}
          <input className="invite-link" readOnly value={url} aria-label="Invitation link" onFocus={(e) => e.target.select()} />
        </p>
      )}
    </>
  );
}

export function RemoveButton({ url, label, ariaLabel }: { url: string; label: string; ariaLabel?: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="link danger-link"
        aria-label={ariaLabel}
        onClick={async () => {
          const result = await sendJson(url, 'DELETE', {});
          if (!result.ok) setError(result.error);
          router.refresh();
        }}
      >
        {label}
      </button>
      {error && <span className="error">{error}</span>}
    </>
  );
}
