import Link from 'next/link';

export default function PlatformNotFound() {
  return (
    <main className="auth">
      <p className="muted">404</p>
      <h1>Not found</h1>
      <p>There is nothing here, or it is not in your account.</p>
      <p>
        <Link href="/dashboard">Go to your blogs →</Link>
      </p>
    </main>
  );
}
