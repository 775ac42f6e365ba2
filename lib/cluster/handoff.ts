import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { restoreClusterBlog } from '@/lib/backup/restore';
import { config } from '@/lib/config';
import { controlDb } from '@/lib/db/control';
import { removeQuietly, tenantDbPath, tenantsDir } from '@/lib/db/paths';
import { openTenant, tenantPool } from '@/lib/db/pool';
import { checkBlogFile, snapshotBlog } from '@/lib/db/snapshot';
import { assertNotPaused } from '@/lib/db/write-pause';
import { CLUSTER_SECRET_HEADER } from '@/lib/http/headers';
import { holdEpoch } from './held';
import { placementOfSlug } from './placement';

/**
 * What the nodes of a cluster ask each other, and what `quire cluster` asks them
 * (docs/scale-out.md, "Moves and failover"), under CLUSTER_PATH, with the cluster's secret; the
 * proxy never forwards this path. Two requests:
 * - `GET  …/blogs/<slug>/copy?epoch=N` to the node that owns the blog while it is moving: its
 *   handles turn read-only, then a consistent copy (VACUUM INTO, in a worker thread) is sent;
 * - `POST …/blogs/<slug>/adopt` to the node it is going to: the file is fetched from that node,
 *   or restored from the replica of its epoch (failover), checked (integrity_check and the
 *   search index), migrated, and put in place; the node then holds the blog under the next
 *   epoch, and serves its readers once the proxy sends them (writes wait for the commit).
 */
export const CLUSTER_PATH = '/_quire/cluster/';

const adoptSchema = z.object({
  epoch: z.number().int().min(1),
  from: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('node'), address: z.string().regex(/^[^\s/:]+:\d{1,5}$/) }),
    z.object({ kind: z.literal('replica') }),
  ]),
});
export type AdoptRequest = z.infer<typeof adoptSchema>;

const slugPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function serveCluster(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const cluster = config().cluster;
  if (!cluster?.node || !hasSecret(req, cluster.secret)) return answer(res, 404, { error: 'Not found.' });
  const match = /^\/_quire\/cluster\/blogs\/([^/]+)\/(copy|adopt)$/.exec(pathname);
  const slug = match?.[1];
  if (!match || !slug || !slugPattern.test(slug)) return answer(res, 404, { error: 'Not found.' });
  try {
    if (match[2] === 'copy' && req.method === 'GET') {
      const epoch = Number(new URL(req.url ?? '', 'http://node').searchParams.get('epoch'));
      return await sendCopy(res, slug, epoch, cluster.node.id);
    }
    if (match[2] === 'adopt' && req.method === 'POST') {
      const body = adoptSchema.safeParse(JSON.parse(await readBody(req)));
      if (!body.success) return answer(res, 400, { error: 'A request to adopt a blog names its epoch and where its file comes from.' });
      await adopt(slug, body.data, cluster.node.id);
      return answer(res, 200, { ready: true });
    }
    return answer(res, 405, { error: 'Method not allowed.' });
  } catch (error) {
    console.error(`[quire] cluster: ${slug}: ${(error as Error).message}`);
    if (!res.headersSent) answer(res, 409, { error: (error as Error).message });
    else res.destroy();
  }
}

function hasSecret(req: IncomingMessage, secret: string): boolean {
  const given = Buffer.from(String(req.headers[CLUSTER_SECRET_HEADER] ?? ''));
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function answer(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

const BODY_MAX = 4096;

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > BODY_MAX) throw new Error('The request is too large.');
  }
  return text;
}

async function sendCopy(res: ServerResponse, slug: string, epoch: number, nodeId: string): Promise<void> {
  const placed = await placementOfSlug(controlDb().orm, slug);
  if (placed?.nodeId !== nodeId || placed.epoch !== epoch || placed.state !== 'moving') {
    throw new Error(`this node does not own ${slug} under epoch ${epoch} while it moves`);
  }
  // An import merging into it writes through a connection of its own: the move waits for it
  // (refused now: the operator tries again once the import is done).
  assertNotPaused(slug);
  // From here no write reaches the file, not even one already past its checks: what is copied
  // is everything. The handles turn writable again if the move is called off (lib/cluster/node.ts).
  tenantPool().setReadOnly(slug, true);
  const copy = path.join(tenantsDir(), `.${slug}.copy-${randomBytes(4).toString('hex')}.db`);
  try {
    await snapshotBlog(slug, copy);
    res.writeHead(200, {
      'Content-Type': 'application/vnd.sqlite3',
      'Content-Length': fs.statSync(copy).size,
      'Cache-Control': 'no-store',
    });
    await pipeline(fs.createReadStream(copy), res);
  } finally {
    removeQuietly(copy);
  }
}

const FETCH_TIMEOUT_MS = 10 * 60 * 1000;

async function adopt(slug: string, request: AdoptRequest, nodeId: string): Promise<void> {
  const placed = await placementOfSlug(controlDb().orm, slug);
  if (!placed || placed.target !== nodeId || placed.epoch !== request.epoch || placed.state === 'active') {
    throw new Error(`${slug} is not on its way to this node under epoch ${request.epoch}`);
  }
  const incoming = path.join(tenantsDir(), `.${slug}.incoming-${randomBytes(4).toString('hex')}.db`);
  fs.mkdirSync(tenantsDir(), { recursive: true });
  try {
    if (request.from.kind === 'node') await fetchCopy(request.from.address, slug, request.epoch, incoming);
    else {
      const replica = config().cluster?.replica;
      if (!replica) throw new Error('no replica is configured (QUIRE_CLUSTER_REPLICA)');
      await restoreClusterBlog(replica, placed.blogId, request.epoch, incoming);
    }
    await checkBlogFile(incoming);
    // A stale copy of this blog from an earlier epoch (this node owned it before) goes.
    tenantPool().close(slug);
    for (const suffix of ['-wal', '-shm']) removeQuietly(tenantDbPath(slug) + suffix);
    fs.renameSync(incoming, tenantDbPath(slug));
    tenantPool().setReadOnly(slug, false);
    // Opening it migrates it: it is current before anyone reads it here.
    openTenant(slug);
    holdEpoch(slug, request.epoch + 1);
  } finally {
    removeQuietly(incoming);
  }
}

async function fetchCopy(address: string, slug: string, epoch: number, file: string): Promise<void> {
  const secret = config().cluster!.secret;
  const response = await fetch(`http://${address}${CLUSTER_PATH}blogs/${slug}/copy?epoch=${epoch}`, {
    headers: { [CLUSTER_SECRET_HEADER]: secret },
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (!response.ok || !response.body) {
    const reason = ((await response.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${response.status}`;
    throw new Error(`the copy from ${address} failed: ${reason}`);
  }
  await pipeline(Readable.fromWeb(response.body as WebReadableStream), fs.createWriteStream(file));
}
