import { requireUser } from '@/lib/auth/current';
import { Field, JsonForm } from '@/app/_components/form';
import { LogoutButton } from '../logout-button';
import { CommentMailSetting } from './comment-mail';

export const metadata = { title: 'Account · Quire' };

export default async function AccountPage() {
  const user = await requireUser();
  return (
    <main className="page">
      <h1>Account</h1>
      <p>Signed in as {user.email}.</p>
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
