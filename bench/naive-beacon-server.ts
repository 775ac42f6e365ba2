/**
 * The naive pageview counter for bench/pageviews.ts: the same front work as Quire's beacon path
 * (Host → blog with parseHost and findBlog, the tenant handle from the pool, the body read with
 * the same 1 KB bound, JSON.parse and the same zod schema, isbot and the prefetch check, the
 * "is this post public" point query), but instead of summing in memory it writes every view at
 * once, as a simple counter would:
 *
 *   UPDATE posts SET views = views + 1 WHERE id = ?
 *   INSERT INTO daily_views … ON CONFLICT (day, post_id) DO UPDATE SET views = views + 1
 *
 * each statement in its own implicit (autocommit) transaction, then 204. It leaves out what the
 * real path adds on top (the reader hash, uniques, referrer hosts), so the comparison flatters
 * it slightly. Not part of the product.
 *
 *   QUIRE_DATA_DIR=… QUIRE_ROOT_DOMAIN=localhost:N PORT=N node --import tsx bench/naive-beacon-server.ts
 *
 * prints "naive beacon server on port N" once listening; SIGTERM closes every database and exits.
 */
import http from 'node:http';
import { findBlog } from '@/lib/blogs/blogs';
import { config } from '@/lib/config';
import { closeControlDb, controlDb } from '@/lib/db/control';
import { closeTenantPool, openTenant, tenantPool, type TenantHandle } from '@/lib/db/pool';
import { isReaderRequest, parseBeacon, readBeaconBody } from '@/lib/pageviews/ingest';
import { utcDay } from '@/lib/pageviews/visitor';
import { parseHost } from '@/lib/tenancy/host';

const BEACON_PATH = '/api/pv';

const cfg = config();
controlDb();
tenantPool();

let written = 0;

const server = http.createServer((req, res) => void answer(req, res));

async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const target = parseHost(req.headers.host, cfg.rootHostname);
  if (target.kind !== 'blog' || req.url !== BEACON_PATH) return drain(req, res, 404);
  if (req.method !== 'POST') return drain(req, res, 405);
  const blog = await findBlog(target.slug);
  if (!blog || blog.status !== 'active') return drain(req, res, 204);
  let handle: TenantHandle;
  try {
    handle = openTenant(target.slug);
  } catch {
    return drain(req, res, 204);
  }

  void readBeaconBody(req).then((body) => send(res, typeof body === 'number' ? body : count(req, handle, body)));
}

function count(req: http.IncomingMessage, handle: TenantHandle, body: string): number {
  const beacon = parseBeacon(body);
  if (!beacon) return 400;
  if (!isReaderRequest(req)) return 204;
  const now = Date.now();
  const s = statements(handle);
  const postId = beacon.p;
  if (postId > 0 && s.isPublic.get(postId, now) !== 1) return 204;
  // Two autocommit statements: two transactions, two WAL commits, per view.
  if (postId > 0) s.postTotal.run(postId);
  s.daily.run(utcDay(now), postId);
  written++;
  return 204;
}

function statements(handle: TenantHandle) {
  return handle.statement('bench.naive', () => ({
    isPublic: handle.sqlite.prepare("select 1 from posts where id = ? and status <> 'draft' and published_at <= ?").pluck(),
    postTotal: handle.sqlite.prepare('update posts set views = views + 1 where id = ?'),
    daily: handle.sqlite.prepare(
      `insert into daily_views (day, post_id, views, uniques) values (?, ?, 1, 0)
       on conflict (day, post_id) do update set views = views + 1`,
    ),
  }));
}

function send(res: http.ServerResponse, status: number): void {
  res.writeHead(status, { 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}

function drain(req: http.IncomingMessage, res: http.ServerResponse, status: number): void {
  req.resume();
  send(res, status);
}

server.listen(cfg.port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`naive beacon server on port ${typeof address === 'object' && address ? address.port : cfg.port}`);
});

process.on('SIGTERM', () => {
  server.close(async () => {
    closeTenantPool();
    await closeControlDb();
    console.log(`naive beacon server wrote ${written} views`);
    process.exit(0);
  });
  server.closeAllConnections();
});
