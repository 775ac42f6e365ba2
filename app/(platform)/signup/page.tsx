import Link from 'next/link';
import { redirect } from 'next/navigation';
import { currentSession } from '@/lib/auth/current';
import { config, platformUrl } from '@/lib/config';
import { checkInvite } from '@/lib/members/invites';
import { SignupForm } from './signup-form';

export const metadata = { title: 'Sign up · Quire' };

export default async function SignupPage({ searchParams }: { searchParams: Promise<{ invite?: string }> }) {
  const { invite } = await searchParams;
  if (await currentSession()) redirect(invite ? `/invite/${invite}` : '/dashboard');
  const offer = invite ? await checkInvite(invite) : undefined;
  const mode = config().signup;
  const open = mode === 'open' || (offer?.ok ?? false);
  return (
    <main className="auth">
      <h1>Create your account</h1>
      {offer && !offer.ok && <p className="error">{offer.reason}</p>}
      {offer?.ok && (
        <p className="notice">
          You are joining <strong>{offer.blog.title}</strong> as {offer.role === 'owner' ? 'an owner' : 'an editor'}.
        </p>
      )}
      {open ? (
        <SignupForm invite={offer?.ok ? invite : undefined} blogSuffix={`.${new URL(platformUrl()).host}`} />
      ) : (
        <p>{mode === 'closed' ? 'Sign-up is closed on this server.' : 'Sign-up on this server needs an invitation link.'}</p>
      )}
      <p>
        Have an account? <Link href={invite ? `/login?next=/invite/${encodeURIComponent(invite)}` : '/login'}>Log in</Link>
      </p>
    </main>
  );
}
