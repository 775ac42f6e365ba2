import { InputError } from '@/lib/input';

/** What a person is told when preparing an upload (any import) ran past its time. */
export const IMPORT_TOO_LONG = 'Preparing this file took too long; nothing was imported.';

/** Stops a long import cleanly, before the pool's hard stop ends the thread. */
export function checkDeadline(deadlineAt: number): void {
  if (Date.now() > deadlineAt) throw new InputError(IMPORT_TOO_LONG);
}
