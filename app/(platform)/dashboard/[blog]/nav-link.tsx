'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';

/** A link in the blog's side navigation, marked as current on its own section. */
export function NavLink({ href, exact = false, also, children }: { href: string; exact?: boolean; also?: string; children: ReactNode }) {
  const path = usePathname();
  const current = (exact ? path === href : path === href || path.startsWith(`${href}/`)) || (also !== undefined && path.startsWith(also));
  return (
    <Link href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}
