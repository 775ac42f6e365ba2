'use client';

import { JsonForm } from '@/app/_components/form';

const COMMENT_MAIL_LABEL = 'Email me when a comment awaits moderation on my blogs (one mail, or a digest when busy)';

/** The checkbox, saved with its own button; shown but not usable when the server sends no mail. */
export function CommentMailForm({ checked, disabled }: { checked: boolean; disabled: boolean }) {
  const box = (
    <div className="field">
      <label className="choice">
        <input type="checkbox" name="commentMail" defaultChecked={checked} disabled={disabled} /> {COMMENT_MAIL_LABEL}
      </label>
    </div>
  );
  if (disabled) return box;
  return (
    <JsonForm
      action="/api/account/notifications"
      submitLabel="Save"
      successMessage="Saved."
      toBody={(data) => ({ commentMail: data.get('commentMail') === 'on' })}
    >
      {box}
    </JsonForm>
  );
}
