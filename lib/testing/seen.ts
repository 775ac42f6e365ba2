import { expect } from 'vitest';
import { config } from '@/lib/config';

/**
 * An assertion on what another process's write shows in this one: on control.db at once (the
 * write helper waited for the next turn of the event loop), on PostgreSQL once its NOTIFY arrived.
 */
export function expectSeen<T>(read: () => T) {
  return config().controlDatabaseUrl ? expect.poll(read) : expect(read());
}
