import { requireUser } from '@/lib/auth/current';
import { mailEnabled } from '@/lib/mail/outbox';
import { Field, JsonForm } from '@/app/_components/form';
import { MailNotConfigured } from '@/app/_components/mail-status';
import { LogoutButton } from '../logout-button';
import { CommentMailSetting } from './comment-mail';

export const metadata = { title: 'Account · Quire' };

export default async function AccountPage() {
  const user = await requireUser();
  const mail = mailEnabled();
  return (
    <main className="page">
      <h1>Account</h1>
      <p>Signed in as {user.email}.</p>
      <MailNotConfigured mailEnabled={mail} />
      {mail && (
        <>
          <h2>Email address</h2>
          {user.emailVerifiedAt ? (
            <p>Your address is confirmed.</p>
          ) : (
            <JsonForm
              action="/api/account/verify/resend"
              submitLabel="Send the link again"
              pendingLabel="Sending…"
              successMessage={`A new link is on its way to ${user.email}.`}
            >
              <p>Your address is not confirmed yet: follow the link mailed to it.</p>
            </JsonForm>
          )}
          <h3>Change email address</h3>
          <JsonForm
            action="/api/account/email"
            submitLabel="Change email address"
            pendingLabel="Sending…"
            successMessage="A link to confirm the change is on its way to the new address. Until it is followed, nothing changes."
          >
            <Field label="New email address" name="email" type="email" autoComplete="email" required />
            <Field label="Current password" name="password" type="password" autoComplete="current-password" required />
          </JsonForm>
        </>
      )}
      <h2>Change password</h2>
      <JsonForm
        action="/api/account/password"
        submitLabel="Change password"
        successMessage="Password changed. Other sessions were logged out."
      >
        <Field label="Current password" name="current" type="password" autoComplete="current-password" />
        <Field label="New password" name="next" type="password" autoComplete="new-password" hint="At least 10 characters." />
      </JsonForm>
      <CommentMailSetting user={user} />
      <h2>Sessions</h2>
      <p>Logged in on a computer you no longer use? End every session, this one included.</p>
      <LogoutButton everywhere />
    </main>
  );
}
