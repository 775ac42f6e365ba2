import type { Metadata } from 'next';
import Link from 'next/link';
import { checkMailLink } from '@/lib/accounts/mail-links';
import { Field, JsonForm } from '@/app/_components/form';

/** The token is in the address: the front sends `no-referrer` and `no-store` too (lib/server/platform-host.ts). */
export const metadata: Metadata = {
  title: 'Choose a new password · Quire',
  referrer: 'no-referrer',
  robots: { index: false, follow: false },
};

export default async function ResetPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  const check = await checkMailLink(token, 'reset-password');
  return (
    <main className="auth">
      <h1>Choose a new password</h1>
      {!check.ok ? (
        <>
          <p className="error">{check.reason}</p>
          <p>
            <Link href="/login/forgot">Ask for a new link</Link>
          </p>
        </>
      ) : (
        <>
          <p>For {check.user.email}. Every session of the account will be logged out.</p>
          <JsonForm action="/api/auth/reset" submitLabel="Set the new password" pendingLabel="Saving…" extra={{ token: token! }}>
            <input type="hidden" name="username" autoComplete="username" value={check.user.email} readOnly />
            <Field
              label="New password"
              name="password"
              type="password"
              autoComplete="new-password"
              hint="At least 10 characters."
              required
            />
          </JsonForm>
        </>
      )}
    </main>
  );
}
