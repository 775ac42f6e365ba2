'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { sendJson } from './json';

/**
 * The state of a row's buttons in a dashboard list (moderate a comment, restore from the
 * trash): one request at a time, its refusal shown, a delete confirmed first, the list
 * refreshed after.
 */
export function useRowAction() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  async function send(url: string, method: 'POST' | 'PATCH' | 'DELETE', body: unknown = {}) {
    setPending(true);
    setError(null);
    const result = await sendJson(url, method, body);
    setPending(false);
    if (!result.ok) return setError(result.error);
    setConfirmDelete(false);
    router.refresh();
  }

  return { error, pending, confirmDelete, setConfirmDelete, send };
}
