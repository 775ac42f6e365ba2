'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { JsonForm } from '@/app/_components/form';
import { sendJson } from '@/app/_components/json';

export function InviteForm({ blog, mailEnabled }: { blog: string; mailEnabled: boolean }) {
  const [url, setUrl] = useState<string | null>(null);
  const [mailedTo, setMailedTo] = useState<string | null>(null);
  return (
    <>
      <JsonForm
        action={`/api/blogs/${blog}/invites`}
        submitLabel="Create invitation link"
        className="inline-form"
        toBody={(data) => ({ role: data.get('role'), email: data.get('email') ?? undefined })}
        onSuccess={(data) => {
          setUrl(String(data.url));
          setMailedTo(data.mailed === true ? String(data.email ?? '') : null);
        }}
      >
        {mailEnabled && (
          <label className="field">
            <span>Email (optional)</span>
            <input name="email" type="email" autoComplete="off" maxLength={254} />
          </label>
        )}
        <label className="field">
          <span>Role</span>
          <select name="role" defaultValue="editor">
            <option value="editor">Editor</option>
            <option value="owner">Owner</option>
          </select>
        </label>
      </JsonForm>
      {mailedTo !== null && (
        <p className="notice" role="status">
          The invitation is on its way to {mailedTo}.
        </p>
      )}
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
