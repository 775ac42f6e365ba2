import { timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import packageJson from '@/package.json';
import { config } from '@/lib/config';
import { controlDb } from '@/lib/db/control';
import { tenantPool } from '@/lib/db/pool';
import { diskSpace } from '@/lib/disk/space';
import { blogs } from '@/lib/db/schema/control';
import { PAGE_CACHE_KEY, type PageCache } from '@/lib/pagecache/cache';
import { pageviews } from '@/lib/pageviews/service';
import { peekProcessWide, processWide } from '@/lib/process/shared';
import { workerPoolStats } from '@/lib/workers/pool';
import { mailEnabled, outboxBacklog } from '@/lib/mail/outbox';
import { eventLoopDelay } from './event-loop';

const started = processWide('started-at', () => Date.now());

async function blogCounts(): Promise<Record<string, number>> {
  const rows = await controlDb()
    .orm.select({ status: blogs.status, n: sql<number>`count(*)` })
    .from(blogs)
    .groupBy(blogs.status)
    .all();
  return Object.fromEntries(['active', 'maintenance', 'deleted'].map((status) => [status, rows.find((r) => r.status === status)?.n ?? 0]));
}

/** What `GET /api/health` reports: enough to see at a glance that the install is well. */
export async function healthReport() {
  const cache = peekProcessWide<PageCache>(PAGE_CACHE_KEY)?.stats();
  const pv = pageviews().snapshot();
  const disk = diskSpace();
  return {
    // Not ok below the free-space margin: the operator must make room (docs/architecture.md, "A full disk").
    ok: !disk.low,
    version: packageJson.version,
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
    blogs: await blogCounts(),
    openHandles: tenantPool().openCount,
    pageviews: {
      pending: pv.pendingViews,
      pendingKeys: pv.pendingKeys,
      flushed: pv.flushedViews,
      failedFlushes: pv.failedFlushes,
      lastFlushAt: pv.lastFlushAt,
    },
    pageCache: cache
      ? {
          hits: cache.hits,
          misses: cache.misses,
          hitRate: cache.hits + cache.misses ? cache.hits / (cache.hits + cache.misses) : null,
          entries: cache.entries,
          bytes: cache.bytes,
          /** Of the hits, those read from the disk store; and what it holds. */
          diskHits: cache.diskHits,
          disk: cache.disk ?? null,
        }
      : null,
    disk: {
      freeMb: mib(disk.freeBytes),
      totalMb: mib(disk.totalBytes),
      minFreeMb: mib(disk.minFreeBytes),
      low: disk.low,
    },
    memory: memoryReport(),
    // Is anything stalling the thread that serves every blog? (docs/architecture.md, "Isolation")
    eventLoopDelay: eventLoopDelay(),
    workers: workerPoolStats(),
    // Mail waiting long past its time means the SMTP server refuses or cannot be reached (quire mail status).
    mail: mailEnabled() ? await outboxBacklog() : null,
  };
}

/** MiB, one decimal. */
const mib = (bytes: number) => Math.round(bytes / 1024 / 102.4) / 10;

/** Where the process's memory is, in MiB: resident, the serving thread's V8 heap, and buffers outside it. */
function memoryReport() {
  const usage = process.memoryUsage();
  return { rssMb: mib(usage.rss), heapUsedMb: mib(usage.heapUsed), heapTotalMb: mib(usage.heapTotal), externalMb: mib(usage.external) };
}

/** The Prometheus registry: process metrics, plus gauges read from the live state on scrape (awaited: `registry.metrics()`). */
export function metricsRegistry(): Registry {
  return processWide('metrics-registry', () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'quire_' });
    const gauge = (name: string, help: string, read: (g: Gauge) => void | Promise<void>, labelNames: string[] = []) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          return read(this);
        },
      });
    gauge(
      'quire_blogs',
      'Blogs by status',
      async (g) => {
        for (const [status, n] of Object.entries(await blogCounts())) g.set({ status }, n);
      },
      ['status'],
    );
    gauge('quire_disk_free_bytes', "Bytes free in the data directory's file system", (g) => g.set(diskSpace().freeBytes));
    gauge('quire_disk_total_bytes', "Size of the data directory's file system", (g) => g.set(diskSpace().totalBytes));
    gauge('quire_disk_min_free_bytes', 'QUIRE_MIN_FREE_MB in bytes: below it big writes are refused and health is not ok', (g) =>
      g.set(diskSpace().minFreeBytes),
    );
    gauge(
      'quire_mail_outbox',
      'Messages waiting in the outbox: all, and those whose time has come',
      async (g) => {
        const backlog = await outboxBacklog();
        g.set({ state: 'queued' }, backlog.queued);
        g.set({ state: 'due' }, backlog.due);
      },
      ['state'],
    );
    gauge('quire_open_tenant_handles', 'Blog files open in the pool', (g) => g.set(tenantPool().openCount));
    gauge('quire_pageviews_pending', 'Pageviews counted in memory, not yet written', (g) => g.set(pageviews().snapshot().pendingViews));
    gauge('quire_pageviews_flushed_total', 'Pageviews written since start', (g) => g.set(pageviews().snapshot().flushedViews));
    gauge('quire_pageview_flush_failures_total', 'Per-blog flush failures since start', (g) => g.set(pageviews().snapshot().failedFlushes));
    gauge('quire_page_cache_hits_total', 'Page cache hits since start', (g) =>
      g.set(peekProcessWide<PageCache>(PAGE_CACHE_KEY)?.stats().hits ?? 0),
    );
    gauge('quire_page_cache_misses_total', 'Page cache misses since start', (g) =>
      g.set(peekProcessWide<PageCache>(PAGE_CACHE_KEY)?.stats().misses ?? 0),
    );
    gauge('quire_page_cache_bytes', 'Bytes held by the page cache', (g) =>
      g.set(peekProcessWide<PageCache>(PAGE_CACHE_KEY)?.stats().bytes ?? 0),
    );
    gauge(
      'quire_event_loop_delay_seconds',
      'Event-loop delay of the serving thread this minute',
      (g) => {
        const { thisMinute } = eventLoopDelay();
        g.set({ quantile: '0.5' }, thisMinute.p50Ms / 1000);
        g.set({ quantile: '0.99' }, thisMinute.p99Ms / 1000);
        g.set({ quantile: '1' }, thisMinute.maxMs / 1000);
      },
      ['quantile'],
    );
    gauge(
      'quire_worker_tasks',
      'Worker pool tasks by lane and state (stopped and refused: since start)',
      (g) => {
        for (const [lane, stats] of Object.entries(workerPoolStats())) {
          for (const state of ['busy', 'queued', 'completed', 'stopped', 'refused'] as const) g.set({ lane, state }, stats[state]);
        }
      },
      ['lane', 'state'],
    );
    return registry;
  });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** Metrics are for the operator: a request from this machine, or one carrying the token. */
export function mayReadMetrics(clientIp: string, authorization: string | null): boolean {
  if (LOOPBACK.test(clientIp)) return true;
  const token = config().metricsToken;
  if (!token || !authorization?.startsWith('Bearer ')) return false;
  const given = Buffer.from(authorization.slice(7));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
