import Link from 'next/link';
import { RESET_REQUESTED } from '@/lib/accounts/mail-links';
import { mailEnabled } from '@/lib/mail/outbox';
import { Field, JsonForm } from '@/app/_components/form';

export const metadata = { title: 'Forgot password · Quire' };
// Whether mail is configured is read when the server runs, not when it is built.
export const dynamic = 'force-dynamic';

export default function ForgotPage() {
  return (
    <main className="auth">
      <h1>Forgot password?</h1>
      {mailEnabled() ? (
        <>
          <p>Enter the address of your account: a link to choose a new password will be mailed to it.</p>
          <JsonForm action="/api/auth/forgot" submitLabel="Send the link" pendingLabel="Sending…" successMessage={RESET_REQUESTED}>
            <Field label="Email" name="email" type="email" autoComplete="email" required />
          </JsonForm>
        </>
      ) : (
        <p>
          Password reset by mail is not set up on this server. Ask its operator to set a new password for you (
          <code>quire users reset-password</code>).
        </p>
      )}
      <p>
        <Link href="/login">Back to log in</Link>
      </p>
    </main>
  );
}
