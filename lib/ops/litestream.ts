import { stringify } from 'yaml';
import { controlDbPath, tenantsDir } from '@/lib/db/paths';

/**
 * A Litestream (v0.5+) configuration that replicates control.db and every blog file: the
 * tenants folder as a watched directory, so new blogs are picked up without a restart.
 * Retention is off on this side: the bucket's lifecycle rules expire old backups, which
 * costs no work on this server and cannot be undone by it.
 */
export function litestreamConfig(replicaUrl: string): string {
  const url = replicaUrl.replace(/\/+$/, '');
  const config = {
    retention: { enabled: false },
    dbs: [
      { path: controlDbPath(), replica: { url: `${url}/control` } },
      { dir: tenantsDir(), pattern: '*.db', recursive: false, watch: true, replica: { url: `${url}/tenants` } },
    ],
  };
  return `# Written by \`quire litestream-config\`. Run Litestream beside Quire:\n#   litestream replicate -config litestream.yml\n${stringify(config)}`;
}
