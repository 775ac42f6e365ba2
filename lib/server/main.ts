import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import next from 'next';
import { appRoot, blogUrl, config, platformUrl, type QuireConfig } from '@/lib/config';
import { closeControlDb, controlDb } from '@/lib/db/control';
import { closeTenantPool, tenantPool } from '@/lib/db/pool';
import { RELEASE_SWEEP_MS, releaseInactiveBlogs } from '@/lib/blogs/lifecycle';
import { PAGE_CACHE_KEY, PageCache } from '@/lib/pagecache/cache';
import { bumpsWritten } from '@/lib/pagecache/generation';
import { openPageStore, type PageStore } from '@/lib/pagecache/store';
import { pageStoreDir } from '@/lib/db/paths';
import { flushNow, pageviews, startPageviewFlusher } from '@/lib/pageviews/service';
import { watchEventLoop } from '@/lib/metrics/event-loop';
import { watchDiskSpace } from '@/lib/disk/space';
import { startHousekeeping } from '@/lib/ops/housekeeping';
import { startMailSender } from '@/lib/mail/sender';
import { startCommentDigests } from '@/lib/comments/notices';
import { recordBounce } from '@/lib/newsletters/bounces';
import { processWide } from '@/lib/process/shared';
import { closeWorkerPools, warmWorkerPool } from '@/lib/workers/pool';
import { registryLoaded } from '@/lib/registry/registry';
import { joinCluster } from '@/lib/cluster/node';
import { syncRoutes } from '@/lib/cluster/placement';
import { createFront } from './front';

/**
 * Quire's process: the front around Next's request handler, with start-up and graceful
 * shutdown. `npm start` runs it in production, `npm run dev` with `--dev` around `next dev`.
 */
async function main(): Promise<void> {
  const dev = process.argv.includes('--dev');
  // Whoever reads the log (a terminal, a supervisor) may go away before the server does. Without a
  // listener each failed write is an uncaught EPIPE, which Next's handler logs to the same closed
  // pipe: a loop that spins a core and never lets the shutdown finish.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const cfg = config();
  processWide('started-at', () => Date.now()); // for the health report's uptime
  // Open and migrate the control plane, and read the blog registry, before taking traffic.
  controlDb();
  await registryLoaded();
  // In a cluster: recorded in `nodes`, holding the blogs placed here, routes published (lib/cluster).
  const leaveCluster = cfg.cluster?.node ? await joinCluster(cfg.cluster.node) : undefined;
  if (cfg.cluster?.node) await syncRoutes();
  tenantPool();
  // sharp (libvips) is loaded here before any worker thread uses it, so that its shared
  // libraries stay loaded when a worker is ended (sharp's documentation on worker threads).
  await import('sharp');
  warmWorkerPool();
  watchEventLoop();
  const stopWatchingDisk = watchDiskSpace();

  const app = next({ dev, dir: appRoot(), hostname: 'localhost', port: cfg.port });
  await app.prepare();

  const cache =
    cfg.pageCacheBytes > 0 ? processWide(PAGE_CACHE_KEY, () => new PageCache(cfg.pageCacheBytes, pageStore(dev, cfg))) : undefined;
  const front = createFront({ config: cfg, next: app.getRequestHandler(), cache, pageviews: pageviews() });
  const stopFlusher = startPageviewFlusher();
  // Let go of blogs the operator takes offline (quire blogs rename, restore, …) before they move.
  const releaser = setInterval(
    () => void releaseInactiveBlogs().catch((error: unknown) => console.error('[quire] letting go of offline blogs failed:', error)),
    RELEASE_SWEEP_MS,
  );
  releaser.unref();
  const stopHousekeeping = startHousekeeping();
  // The outbox's sender (lib/mail): nothing to do when no SMTP server is configured. A newsletter
  // refused for good marks its reader bounced (lib/newsletters).
  const stopMailSender = startMailSender({ onPermanentFailure: recordBounce });
  // Digests of comments awaiting moderation (lib/comments/notices.ts): nothing without mail.
  const stopCommentDigests = startCommentDigests();

  const server = http.createServer((req, res) => {
    Promise.resolve(front(req, res)).catch((error: unknown) => {
      console.error('[quire] request failed:', error);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('Internal error');
    });
  });
  if (dev) server.on('upgrade', app.getUpgradeHandler());

  server.listen(cfg.port, cfg.listenHost, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : cfg.port;
    console.log(`[quire] ${dev ? 'development' : 'production'} server on port ${port}`);
    console.log(`[quire] platform: ${platformUrl()}   a blog: ${blogUrl('<slug>')}`);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[quire] ${signal}: finishing requests, then closing every database`);
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    force.unref();
    server.close(() => {
      stopFlusher();
      clearInterval(releaser);
      stopHousekeeping();
      stopWatchingDisk();
      stopCommentDigests();
      leaveCluster?.();
      // A message being handed to the SMTP server is marked sent (or not) before the control plane closes.
      void stopMailSender().then(() => {
        // Every beacon answered so far is in memory: write it before the files close.
        const { views, failed } = flushNow();
        console.log(`[quire] flushed ${views} pending pageviews${failed.length ? `; could not write ${failed.join(', ')}` : ''}`);
        cache?.close();
        closeTenantPool();
        void Promise.allSettled([bumpsWritten().then(closeControlDb), closeWorkerPools()]).finally(() => {
          console.log('[quire] stopped');
          process.exit(0);
        });
      });
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** The disk tier, for this build's pages; none in development, where pages change as code does. */
function pageStore(dev: boolean, cfg: QuireConfig): PageStore | undefined {
  if (dev || cfg.pageStoreBytes === 0) return undefined;
  // Blog pages hold the subscribe form only when mail is configured: turning it on or off starts a new file.
  const build = fs.readFileSync(path.join(appRoot(), '.next', 'BUILD_ID'), 'utf8').trim() + (cfg.smtpUrl ? '-mail' : '');
  return openPageStore(pageStoreDir(), build, cfg.pageStoreBytes);
}

main().catch((error: unknown) => {
  console.error('[quire] could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
