import type { Metadata } from 'next';
import { checkMailLink } from '@/lib/accounts/mail-links';
import { JsonForm } from '@/app/_components/form';

export const metadata: Metadata = {
  title: 'Confirm your address · Quire',
  referrer: 'no-referrer',
  robots: { index: false, follow: false },
};

/** A button, not the link itself, confirms: mail scanners that open links confirm nothing. */
export default async function VerifyPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  const check = await checkMailLink(token, 'verify-email');
  return (
    <main className="auth">
      <h1>Confirm your address</h1>
      {!check.ok ? (
        <p className="error">{check.reason}</p>
      ) : (
        <JsonForm action="/api/account/verify" submitLabel="Confirm my address" extra={{ token: token! }}>
          <p>Confirm that {check.email} is your address.</p>
        </JsonForm>
      )}
    </main>
  );
}
