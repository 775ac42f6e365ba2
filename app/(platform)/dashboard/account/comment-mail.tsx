import type { User } from '@/lib/db/schema/control';
import { mailEnabled } from '@/lib/mail/outbox';
import { CommentMailForm } from './comment-mail-form';

/** The account page's section on comment mail: the setting, or why it cannot apply here. */
export function CommentMailSetting({ user }: { user: User }) {
  const enabled = mailEnabled();
  return (
    <section aria-labelledby="comment-mail-heading">
      <h2 id="comment-mail-heading">Notifications</h2>
      <CommentMailForm checked={user.commentMail} disabled={!enabled} />
      {!enabled && <p className="muted">Mail is not set up on this server, so Quire sends no notifications.</p>}
      {enabled && user.emailVerifiedAt === null && (
        <p className="muted">Your address is not verified yet: comment mail starts once it is.</p>
      )}
    </section>
  );
}
