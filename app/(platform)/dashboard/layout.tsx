import Link from 'next/link';
import type { ReactNode } from 'react';
import { requireUser } from '@/lib/auth/current';
import { LogoutButton } from './logout-button';

export const dynamic = 'force-dynamic';

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return (
    <div className="dashboard">
      <header className="topbar">
        <Link href="/dashboard" className="brand">
          Quire
        </Link>
        <nav aria-label="Account">
          <Link href="/dashboard/account">{user.email}</Link>
          <LogoutButton />
        </nav>
      </header>
      <div className="dashboard-body">{children}</div>
    </div>
  );
}
