import type { Metadata } from 'next';
import { checkMailLink } from '@/lib/accounts/mail-links';
import { JsonForm } from '@/app/_components/form';

export const metadata: Metadata = {
  title: 'Change your email address · Quire',
  referrer: 'no-referrer',
  robots: { index: false, follow: false },
};

export default async function EmailChangePage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  const check = await checkMailLink(token, 'change-email');
  return (
    <main className="auth">
      <h1>Change your email address</h1>
      {!check.ok ? (
        <p className="error">{check.reason}</p>
      ) : (
        <JsonForm action="/api/account/email/confirm" submitLabel="Use this address" extra={{ token: token! }}>
          <p>
            The account {check.user.email} will use {check.email} from now on.
          </p>
        </JsonForm>
      )}
    </main>
  );
}
