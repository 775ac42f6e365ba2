import { randomBytes } from 'node:crypto';
import { createTestDatabase } from './postgres';

/**
 * vitest's per-file set-up for `npm run test:postgres` (scripts/test-postgres.sh): with
 * QUIRE_TEST_POSTGRES_URL set, each test file gets its own empty database as its control plane,
 * which the servers and CLIs it starts inherit. Without it, nothing: control.db, as always.
 */
const adminUrl = process.env.QUIRE_TEST_POSTGRES_URL;
if (adminUrl) {
  process.env.QUIRE_CONTROL_DATABASE_URL = await createTestDatabase(adminUrl, `quire_test_${randomBytes(6).toString('hex')}`);
}
