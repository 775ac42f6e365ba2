import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './lib/db/schema/control.ts',
  out: './lib/db/migrations/control',
});
