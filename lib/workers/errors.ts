import { HttpError } from '@/lib/http/errors';
import { InputError } from '@/lib/input';

/**
 * Errors cross the thread boundary as plain data (structured clone keeps no class), so a task's
 * refusal is sent as its kind, status and sentence and made into the same error class again.
 */
export type TaskFailure = { kind: 'input' | 'http' | 'other'; status?: number; message: string; code?: string };

export function describeFailure(error: unknown): TaskFailure {
  if (error instanceof HttpError) return { kind: 'http', status: error.status, message: error.message };
  if (error instanceof InputError) return { kind: 'input', message: error.message };
  const e = error as { code?: string; message?: string };
  // The code crosses too: SQLITE_FULL or ENOSPC in a task is a full disk to the route (lib/http).
  return { kind: 'other', message: `${e?.code ? `${e.code}: ` : ''}${e?.message ?? String(error)}`, code: e?.code };
}

export function reviveFailure(failure: TaskFailure): Error {
  if (failure.kind === 'http') return new HttpError(failure.status ?? 500, failure.message);
  if (failure.kind === 'input') return new InputError(failure.message);
  return Object.assign(new Error(failure.message), { code: failure.code });
}
