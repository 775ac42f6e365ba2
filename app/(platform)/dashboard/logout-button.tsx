'use client';

import { useRouter } from 'next/navigation';
import { sendJson } from '@/app/_components/json';

export function LogoutButton({ everywhere = false }: { everywhere?: boolean }) {
  const router = useRouter();
  return (
    <button
      type="button"
      className={everywhere ? 'danger' : 'link'}
      onClick={async () => {
        await sendJson('/api/auth/logout', 'POST', { everywhere });
        router.push('/login');
        router.refresh();
      }}
    >
      {everywhere ? 'Log out everywhere' : 'Log out'}
    </button>
  );
}
