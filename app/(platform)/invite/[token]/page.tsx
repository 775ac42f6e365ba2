import Link from 'next/link';
import { currentSession } from '@/lib/auth/current';
import { checkInvite } from '@/lib/members/invites';
import { JsonForm } from '@/app/_components/form';

export const metadata = { title: 'Invitation · Quire' };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const offer = await checkInvite(token);
  const session = await currentSession();
  return (
    <main className="auth">
      <h1>Invitation</h1>
      {!offer.ok ? (
        <p className="error">{offer.reason}</p>
      ) : (
        <>
          <p>
            You are invited to write on <strong>{offer.blog.title}</strong> as {offer.role === 'owner' ? 'an owner' : 'an editor'}.
          </p>
          {session ? (
            <JsonForm action="/api/invites/accept" submitLabel={`Join ${offer.blog.title}`} extra={{ token }}>
              <p>Signed in as {session.user.email}.</p>
            </JsonForm>
          ) : (
            <p>
              <Link className="button" href={`/signup?invite=${encodeURIComponent(token)}`}>
                Create an account
              </Link>{' '}
              or <Link href={`/login?next=${encodeURIComponent(`/invite/${token}`)}`}>log in</Link> to accept.
            </p>
          )}
        </>
      )}
    </main>
  );
}
