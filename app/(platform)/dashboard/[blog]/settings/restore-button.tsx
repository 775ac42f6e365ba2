'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { sendJson } from '@/app/_components/json';

export function RestoreButton({ blog, name }: { blog: string; name: string }) {
  const router = useRouter();
  const [state, setState] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="link"
        onClick={async () => {
          if (!window.confirm('Put this snapshot back? The blog as it is now is kept as a snapshot too.')) return;
          setState('Restoring…');
          const result = await sendJson(`/api/blogs/${blog}/snapshots`, 'POST', { name });
          setState(result.ok ? 'Restored.' : result.error);
          router.refresh();
        }}
      >
        Restore
      </button>
      {state && <span role="status"> {state}</span>}
    </>
  );
}
