import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './lib/db/schema/tenant.ts',
  out: './lib/db/migrations/tenant',
});
