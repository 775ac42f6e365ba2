'use client';

export type JsonResult<T> = { ok: true; data: T } | { ok: false; status: number; error: string };

/** Calls one of the platform's JSON routes; failures come back as the sentence to show. */
export async function sendJson<T = Record<string, unknown>>(
  url: string,
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  body: unknown,
): Promise<JsonResult<T>> {
  return callJson<T>(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
}

/** Reads one of the platform's JSON routes, with the same failures as sendJson. */
export function getJson<T = Record<string, unknown>>(url: string): Promise<JsonResult<T>> {
  return callJson<T>(url, { method: 'GET' });
}

/** Status 0: the request never reached the server (offline, or the server is down). */
async function callJson<T>(url: string, init: RequestInit): Promise<JsonResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    return { ok: false, status: 0, error: 'The server could not be reached. Check your connection; nothing was lost.' };
  }
  const data = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) {
    return { ok: false, status: response.status, error: data.error ?? `The server answered ${response.status}.` };
  }
  return { ok: true, data };
}
