import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseTrustedProxies, type TrustedProxies } from '@/lib/net/client-address';

/**
 * Settings from the environment, read once per process. Everything the platform can be told
 * lives here so a newcomer finds every knob in one file.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  QUIRE_DATA_DIR: z.string().min(1).default('./data'),
  /**
   * `postgres://…`: the control plane (accounts, sessions, blogs, domains, the mail outbox) in
   * PostgreSQL instead of data/control.db, shared by every node of a cluster (docs/scale-out.md).
   */
  QUIRE_CONTROL_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'QUIRE_CONTROL_DATABASE_URL must be a postgres:// URL')
    .optional(),
  QUIRE_ROOT_DOMAIN: z.string().min(1).optional(),
  /**
   * Whether people reach the platform over HTTPS (a TLS proxy in front): `on`, `off`, or `auto`,
   * which is on unless the root domain is localhost or under .localhost. One fixed answer, never
   * read from a request (docs/architecture.md, "HTTPS").
   */
  QUIRE_HTTPS: z.enum(['auto', 'on', 'off'], { error: 'QUIRE_HTTPS must be on, off or auto' }).default('auto'),
  QUIRE_MAX_OPEN_TENANTS: z.coerce.number().int().min(1).default(500),
  QUIRE_TENANT_IDLE_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(10 * 60 * 1000),
  QUIRE_PAGE_CACHE_MB: z.coerce.number().min(0).default(64),
  /** Rendered pages kept on disk behind the memory cache (data/cache); 0: none. */
  QUIRE_PAGE_STORE_MB: z.coerce.number().min(0).default(2048),
  QUIRE_PV_FLUSH_MS: z.coerce.number().int().min(100).default(5000),
  QUIRE_PV_MAX_PENDING: z.coerce.number().int().min(1).default(100_000),
  QUIRE_PV_MAX_VISITORS: z.coerce.number().int().min(0).default(1_000_000),
  /** Pageview beacons one address may send one blog per minute; more are not counted. */
  QUIRE_BEACON_LIMIT: z.coerce.number().int().min(1).default(60),
  /** Distinct referring sites kept per blog per day; the rest are counted as "(other)". */
  QUIRE_REFERRERS_PER_DAY: z.coerce.number().int().min(1).default(500),
  QUIRE_IMPORT_MAX_MB: z.coerce.number().positive().default(512),
  QUIRE_MEDIA_MAX_MB: z.coerce.number().positive().max(100).default(10),
  QUIRE_TRASH_DAYS: z.coerce.number().min(0).default(30),
  QUIRE_SNAPSHOT_KEEP: z.coerce.number().int().min(1).default(10),
  QUIRE_SNAPSHOT_DAYS: z.coerce.number().min(0).default(30),
  QUIRE_MIGRATE_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  QUIRE_METRICS_TOKEN: z.string().min(16, 'QUIRE_METRICS_TOKEN must be at least 16 characters').optional(),
  QUIRE_SIGNUP: z.enum(['open', 'invite', 'closed']).default('open'),
  QUIRE_MAX_BLOGS_PER_USER: z.coerce.number().int().min(1).default(5),
  /** Sign-ups one address may make per hour. */
  QUIRE_SIGNUPS_PER_HOUR: z.coerce.number().int().min(1).default(10),
  /** DNS servers (`ip[:port]`, comma-separated) for custom-domain checks instead of the system's: for a split-horizon DNS, and the tests. */
  QUIRE_DNS_SERVERS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((server) => server.trim())
        .filter(Boolean),
    )
    .refine(
      (servers) => servers.every(isDnsServer),
      'QUIRE_DNS_SERVERS must be addresses (ip[:port]) separated by commas, such as 10.0.0.2, [fd00::2]:5353',
    ),
  /** The reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client. */
  QUIRE_TRUSTED_PROXIES: z.string().default(''),
  /** Replaced by QUIRE_TRUSTED_PROXIES; `1` still means "the proxy is on this machine". */
  QUIRE_TRUST_PROXY: z.enum(['0', '1', 'true', 'false']).default('0'),
  /** The address to listen on (all by default; 127.0.0.1 behind a proxy on the same machine). */
  QUIRE_LISTEN_HOST: z.string().min(1).optional(),
  /** Rendering one post, page, preview or comment off the serving thread may take this long. */
  QUIRE_RENDER_TIMEOUT_MS: z.coerce.number().int().min(1).default(5000),
  /** One import, snapshot restore or Markdown export may take this long on the worker pool. */
  QUIRE_BULK_TIMEOUT_S: z.coerce.number().min(1).default(300),
  /** The JavaScript heap of one worker thread (renders, imports). */
  QUIRE_WORKER_HEAP_MB: z.coerce.number().int().min(32).default(256),
  /** Blogs in the trash and old snapshots are pruned this often by the server itself. */
  QUIRE_PRUNE_EVERY_MIN: z.coerce.number().min(0.05).default(60),
  /**
   * Free space kept in the data directory's file system for what authors type and readers
   * count: below it, uploads, imports, exports and snapshots are refused and health is not ok
   * (docs/architecture.md, "A full disk"). 0: never refuse.
   */
  QUIRE_MIN_FREE_MB: z.coerce.number().min(0).default(100),
  /** The Litestream 0.3 binary `quire backup` runs; else the optional npm package's, else `litestream` on PATH. */
  QUIRE_LITESTREAM_BIN: z.string().min(1).optional(),
  /** This server's name in a cluster (docs/scale-out.md); unset: one machine, no placement. */
  QUIRE_NODE_ID: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'QUIRE_NODE_ID must be 1–32 lowercase letters, digits and dashes')
    .optional(),
  /** host:port where the proxy and the other nodes reach this node; default 127.0.0.1:PORT. */
  QUIRE_NODE_ADDRESS: z
    .string()
    .regex(/^[^\s/:]+:\d{1,5}$/, 'QUIRE_NODE_ADDRESS must be host:port')
    .optional(),
  /** Shared by a cluster's nodes and its `quire cluster` commands: their requests to each other carry it. */
  QUIRE_CLUSTER_SECRET: z.string().min(24, 'QUIRE_CLUSTER_SECRET must be at least 24 characters').optional(),
  /** Where every node's Litestream replicates its blogs (file:// or s3://…), a folder per blog and epoch. */
  QUIRE_CLUSTER_REPLICA: z
    .string()
    .regex(/^(file|s3|gs|abs|sftp):\/\//, 'QUIRE_CLUSTER_REPLICA must be a Litestream replica URL (file://, s3://…)')
    .optional(),
  /** HAProxy's runtime API (`stats socket ipv4@host:port level admin`), to move its routes. */
  QUIRE_HAPROXY_RUNTIME: z
    .string()
    .regex(/^[^\s/:]+:\d{1,5}$/, 'QUIRE_HAPROXY_RUNTIME must be host:port')
    .optional(),
  /** The map file HAProxy routes by (deploy/haproxy.cfg), as HAProxy names it; rewritten on every change. */
  QUIRE_HAPROXY_MAP: z.string().min(1).optional(),
  /**
   * For tests and benchmarks only, never in production: `1` lets the import fetch images from
   * loopback (127.0.0.0/8, ::1), where their test servers listen. Every other private range
   * stays refused (lib/imports/safe-fetch.ts).
   */
  QUIRE_FETCH_ALLOW_LOOPBACK: z.enum(['0', '1'], { error: 'QUIRE_FETCH_ALLOW_LOOPBACK must be 0 or 1' }).default('0'),
  /**
   * The SMTP server mail goes through: `smtp://user:pass@host:587` (STARTTLS when offered),
   * `smtps://…:465` (TLS from the start). Unset: Quire sends no mail and says what it would enable.
   */
  QUIRE_SMTP_URL: z
    .string()
    .optional()
    .refine(
      (url) => url === undefined || url === '' || /^smtps?:\/\/[^\s]+$/.test(url),
      'QUIRE_SMTP_URL must look like smtp://user:pass@mail.example.org:587',
    ),
  /** The address every mail is from (`Quire <mail@example.org>` or `mail@example.org`). */
  QUIRE_MAIL_FROM: z
    .string()
    .optional()
    .refine(
      (from) => from === undefined || from === '' || parseMailFrom(from) !== undefined,
      'QUIRE_MAIL_FROM must be an address, or a name and an address: Quire <mail@example.org>',
    ),
  /** Messages handed to the SMTP server per second, at most (the outbox waits, nothing is lost). */
  QUIRE_MAIL_PER_SECOND: z.coerce.number().positive().max(1000).default(20),
  /** Newsletter messages one blog may send per day; the rest wait for the next day. */
  QUIRE_NEWSLETTER_DAILY_LIMIT: z.coerce.number().int().min(1).default(10_000),
  /**
   * Minutes between two comment mails to one person about one blog: the first comment is mailed
   * at once, those that follow within this time go in one digest after it (lib/comments/notices.ts).
   */
  QUIRE_COMMENT_MAIL_QUIET_MIN: z.coerce
    .number()
    .min(0.01)
    .max(7 * 24 * 60)
    .default(15),
});

export type QuireConfig = {
  port: number;
  dataDir: string;
  /** Undefined: the control plane is data/control.db (lib/db/control.ts). */
  controlDatabaseUrl: string | undefined;
  /** The platform's host as people type it, port included (`localhost:3000`, `example.com`). */
  rootDomain: string;
  /** `rootDomain` without its port: what hosts are matched against. */
  rootHostname: string;
  /** The scheme of every absolute URL (platform, blogs, custom domains) and the session cookie's `Secure`. */
  https: boolean;
  maxOpenTenants: number;
  tenantIdleMs: number;
  pageCacheBytes: number;
  pageStoreBytes: number;
  pvFlushMs: number;
  pvMaxPending: number;
  pvMaxVisitors: number;
  beaconLimitPerMinute: number;
  referrersPerDay: number;
  importMaxBytes: number;
  /** The largest image an author may upload. */
  mediaMaxBytes: number;
  trashDays: number;
  snapshotKeep: number;
  snapshotDays: number;
  migrateConcurrency: number;
  metricsToken: string | undefined;
  signup: 'open' | 'invite' | 'closed';
  maxBlogsPerUser: number;
  signupsPerHour: number;
  trustedProxies: TrustedProxies;
  /** Undefined: every address. */
  listenHost: string | undefined;
  /** Empty: the system's resolvers. */
  dnsServers: string[];
  renderTimeoutMs: number;
  bulkTimeoutMs: number;
  workerHeapMb: number;
  pruneEveryMs: number;
  /** Below this much free space in the data directory, big writes are refused (lib/disk). */
  minFreeBytes: number;
  /** Undefined: the optional npm package's binary, else `litestream` on PATH. */
  litestreamBin: string | undefined;
  /** Undefined: not part of a cluster (lib/cluster). */
  cluster: ClusterConfig | undefined;
  /** Tests and benchmarks only: fetches may reach loopback (QUIRE_FETCH_ALLOW_LOOPBACK). */
  fetchAllowLoopback: boolean;
  /** Undefined: no mail (lib/mail). */
  smtpUrl: string | undefined;
  /** Undefined when no mail; else the From of every message (a newsletter puts its blog's title as the name). */
  mailFrom: { name: string; address: string } | undefined;
  mailPerSecond: number;
  newsletterDailyLimit: number;
  /** Quiet interval of comment mail per person and blog (QUIRE_COMMENT_MAIL_QUIET_MIN). */
  commentMailQuietMs: number;
};

export type ClusterConfig = {
  /** This server as a node (QUIRE_NODE_ID); undefined for `quire cluster` commands run elsewhere. */
  node: { id: string; address: string } | undefined;
  secret: string;
  /** Undefined: blogs are not replicated, and a dead node's blogs cannot be restored. */
  replica: string | undefined;
  haproxy: { runtime: string; map: string } | undefined;
};

/** A cluster's settings: with QUIRE_CLUSTER_SECRET (docs/scale-out.md). */
function clusterConfig(e: z.infer<typeof envSchema>): ClusterConfig | undefined {
  if (!e.QUIRE_CLUSTER_SECRET) {
    if (e.QUIRE_NODE_ID) throw new Error('Invalid setting QUIRE_NODE_ID: a node needs QUIRE_CLUSTER_SECRET');
    return undefined;
  }
  if (!e.QUIRE_CONTROL_DATABASE_URL) {
    throw new Error('Invalid setting QUIRE_CLUSTER_SECRET: a cluster needs QUIRE_CONTROL_DATABASE_URL (the shared control plane)');
  }
  if (Boolean(e.QUIRE_HAPROXY_RUNTIME) !== Boolean(e.QUIRE_HAPROXY_MAP)) {
    throw new Error('Invalid setting QUIRE_HAPROXY_RUNTIME: set it together with QUIRE_HAPROXY_MAP');
  }
  return {
    node: e.QUIRE_NODE_ID ? { id: e.QUIRE_NODE_ID, address: e.QUIRE_NODE_ADDRESS ?? `127.0.0.1:${e.PORT}` } : undefined,
    secret: e.QUIRE_CLUSTER_SECRET,
    replica: e.QUIRE_CLUSTER_REPLICA?.replace(/\/+$/, ''),
    haproxy: e.QUIRE_HAPROXY_RUNTIME && e.QUIRE_HAPROXY_MAP ? { runtime: e.QUIRE_HAPROXY_RUNTIME, map: e.QUIRE_HAPROXY_MAP } : undefined,
  };
}

export function readConfig(env: Record<string, string | undefined> = process.env): QuireConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid setting ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const e = parsed.data;
  const rootDomain = (e.QUIRE_ROOT_DOMAIN ?? `localhost:${e.PORT}`).toLowerCase();
  const rootHostname = rootDomain.replace(/:\d+$/, '');
  return {
    port: e.PORT,
    dataDir: path.resolve(e.QUIRE_DATA_DIR),
    controlDatabaseUrl: e.QUIRE_CONTROL_DATABASE_URL,
    rootDomain,
    rootHostname,
    https: e.QUIRE_HTTPS === 'auto' ? !/(^|\.)localhost$/.test(rootHostname) : e.QUIRE_HTTPS === 'on',
    maxOpenTenants: e.QUIRE_MAX_OPEN_TENANTS,
    tenantIdleMs: e.QUIRE_TENANT_IDLE_MS,
    pageCacheBytes: Math.floor(e.QUIRE_PAGE_CACHE_MB * 1024 * 1024),
    pageStoreBytes: Math.floor(e.QUIRE_PAGE_STORE_MB * 1024 * 1024),
    pvFlushMs: e.QUIRE_PV_FLUSH_MS,
    pvMaxPending: e.QUIRE_PV_MAX_PENDING,
    pvMaxVisitors: e.QUIRE_PV_MAX_VISITORS,
    beaconLimitPerMinute: e.QUIRE_BEACON_LIMIT,
    referrersPerDay: e.QUIRE_REFERRERS_PER_DAY,
    importMaxBytes: Math.floor(e.QUIRE_IMPORT_MAX_MB * 1024 * 1024),
    mediaMaxBytes: Math.floor(e.QUIRE_MEDIA_MAX_MB * 1024 * 1024),
    trashDays: e.QUIRE_TRASH_DAYS,
    snapshotKeep: e.QUIRE_SNAPSHOT_KEEP,
    snapshotDays: e.QUIRE_SNAPSHOT_DAYS,
    migrateConcurrency: e.QUIRE_MIGRATE_CONCURRENCY ?? Math.max(1, os.availableParallelism()),
    metricsToken: e.QUIRE_METRICS_TOKEN,
    signup: e.QUIRE_SIGNUP,
    maxBlogsPerUser: e.QUIRE_MAX_BLOGS_PER_USER,
    signupsPerHour: e.QUIRE_SIGNUPS_PER_HOUR,
    trustedProxies: parseTrustedProxies(trustedProxiesSetting(e.QUIRE_TRUSTED_PROXIES, e.QUIRE_TRUST_PROXY)),
    listenHost: e.QUIRE_LISTEN_HOST,
    dnsServers: e.QUIRE_DNS_SERVERS,
    renderTimeoutMs: e.QUIRE_RENDER_TIMEOUT_MS,
    bulkTimeoutMs: Math.round(e.QUIRE_BULK_TIMEOUT_S * 1000),
    workerHeapMb: e.QUIRE_WORKER_HEAP_MB,
    pruneEveryMs: Math.round(e.QUIRE_PRUNE_EVERY_MIN * 60_000),
    minFreeBytes: Math.floor(e.QUIRE_MIN_FREE_MB * 1024 * 1024),
    litestreamBin: e.QUIRE_LITESTREAM_BIN,
    cluster: clusterConfig(e),
    fetchAllowLoopback: e.QUIRE_FETCH_ALLOW_LOOPBACK === '1',
    smtpUrl: e.QUIRE_SMTP_URL || undefined,
    mailFrom: e.QUIRE_SMTP_URL
      ? (parseMailFrom(e.QUIRE_MAIL_FROM || `Quire <quire@${rootHostname}>`) ?? { name: 'Quire', address: `quire@${rootHostname}` })
      : undefined,
    mailPerSecond: e.QUIRE_MAIL_PER_SECOND,
    newsletterDailyLimit: e.QUIRE_NEWSLETTER_DAILY_LIMIT,
    commentMailQuietMs: Math.round(e.QUIRE_COMMENT_MAIL_QUIET_MIN * 60_000),
  };
}

/** The old boolean meant "trust whoever connects": now only this machine, and said so. */
function trustedProxiesSetting(list: string, legacy: string): string {
  if (list || (legacy !== '1' && legacy !== 'true')) return list;
  console.warn('[quire] QUIRE_TRUST_PROXY=1 is replaced by QUIRE_TRUSTED_PROXIES; trusting only proxies on this machine (127.0.0.1, ::1).');
  return '127.0.0.1, ::1';
}

/** `Name <address>` or a bare address; one line, one address (it is put in every mail's From). */
function parseMailFrom(from: string): { name: string; address: string } | undefined {
  const match = /^\s*(?:"?([^"<>\r\n]*?)"?\s*<([^\s<>@"]+@[^\s<>@"]+)>|([^\s<>@"]+@[^\s<>@"]+))\s*$/.exec(from);
  if (!match) return undefined;
  return match[3] ? { name: 'Quire', address: match[3] } : { name: match[1]!.trim() || 'Quire', address: match[2]! };
}

/** What `Resolver.setServers` takes: an IPv4 or IPv6 address, or `1.2.3.4:53`, `[::1]`, `[::1]:53`. */
function isDnsServer(server: string): boolean {
  if (net.isIP(server)) return true;
  const match = /^(?:\[([^\]]+)\]|([\d.]+))(?::(\d{1,5}))?$/.exec(server);
  const port = Number(match?.[3] ?? 53);
  return match !== null && (match[1] ? net.isIPv6(match[1]) : net.isIPv4(match[2]!)) && port >= 1 && port <= 65535;
}

let cached: QuireConfig | undefined;

export function config(): QuireConfig {
  cached ??= readConfig();
  return cached;
}

/** Where Quire's own files (migrations) are: the package root, set by `bin/quire.mjs`. */
export function appRoot(): string {
  return process.env.QUIRE_APP_DIR ?? process.cwd();
}

/** Public URLs, for links printed by the CLI and shown in the dashboard. */
export function platformUrl(cfg: QuireConfig = config()): string {
  return `${publicScheme(cfg)}://${cfg.rootDomain}`;
}

/** `https` or `http` (QUIRE_HTTPS), for every absolute URL Quire writes. */
export function publicScheme(cfg: QuireConfig = config()): 'https' | 'http' {
  return cfg.https ? 'https' : 'http';
}

export function blogUrl(slug: string, cfg: QuireConfig = config()): string {
  return platformUrl(cfg).replace('://', `://${slug}.`);
}
