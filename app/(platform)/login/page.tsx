import Link from 'next/link';
import { redirect } from 'next/navigation';
import { currentSession } from '@/lib/auth/current';
import { safeNextPath } from '@/lib/http/routes';
import { Field, JsonForm } from '@/app/_components/form';

export const metadata = { title: 'Log in · Quire' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const next = safeNextPath((await searchParams).next);
  if (await currentSession()) redirect(next);
  return (
    <main className="auth">
      <h1>Log in</h1>
      <JsonForm action="/api/auth/login" submitLabel="Log in" pendingLabel="Logging in…" extra={{ next }}>
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      </JsonForm>
      <p>
        <Link href="/login/forgot">Forgot password?</Link>
      </p>
      <p>
        New here? <Link href="/signup">Create an account</Link>
      </p>
    </main>
  );
}
