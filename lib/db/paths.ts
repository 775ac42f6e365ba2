import path from 'node:path';
import { config } from '@/lib/config';

/** Every path in the data directory is built here, and only from a validated slug. */
export function controlDbPath(): string {
  return path.join(config().dataDir, 'control.db');
}

export function tenantsDir(): string {
  return path.join(config().dataDir, 'tenants');
}

export function tenantDbPath(validSlug: string): string {
  return path.join(tenantsDir(), `${validSlug}.db`);
}
