import { and, eq, sql } from 'drizzle-orm';
import { config, type ClusterConfig } from '@/lib/config';
import { controlDb, type ControlOrm } from '@/lib/db/control';
import { nodes, placement, type ClusterNode } from '@/lib/db/schema/cluster';
import { blogs } from '@/lib/db/schema/control';
import { CLUSTER_SECRET_HEADER } from '@/lib/http/headers';
import { InputError } from '@/lib/input';
import { CLUSTER_PATH, type AdoptRequest } from './handoff';
import { placementOfSlug, syncRoutes } from './placement';
import { readRoutes, showRoutes } from './router';

/**
 * `quire cluster status | move | drain | failover` (docs/scale-out.md, "Operations"): what the
 * operator runs, from any machine that reaches the control plane, the nodes and HAProxy's runtime
 * API. Each change of placement is a transaction on the control plane, with the proxy's routes
 * rewritten inside it (lib/cluster/router.ts); the nodes do the file work (lib/cluster/handoff.ts).
 *
 * A move: the blog is marked moving (its owner refuses writes from then: 503 with Retry-After;
 * readers carry on), the target copies it from the owner, checks and migrates it, the routes send
 * readers to the target, then the epoch goes up by one with the target as owner, and the old owner
 * lets go. A failover does the same for every blog of a dead node, from the replicas of their
 * epochs, onto the surviving nodes.
 */

/** A node whose heartbeat is older than this is taken for dead (a live one beats every 2 s). */
export const DEAD_AFTER_MS = 10_000;
const ADOPT_TIMEOUT_MS = 15 * 60 * 1000;
/** Blogs restored at once in a failover. */
const FAILOVER_CONCURRENCY = 4;

function clusterSettings(): ClusterConfig {
  const cluster = config().cluster;
  if (!cluster) throw new InputError('This is not a cluster: set QUIRE_CONTROL_DATABASE_URL and QUIRE_CLUSTER_SECRET (docs/scale-out.md).');
  return cluster;
}

type NodeStatus = ClusterNode & { blogs: number; heartbeatAgeMs: number };
export type ClusterStatus = {
  nodes: NodeStatus[];
  /** Blogs moving or being restored just now. */
  changing: { slug: string; state: string; node: string; target: string | null }[];
  /** Blogs of the control plane that no node owns. */
  unplaced: string[];
  /** Routes HAProxy has that differ from the control plane's (undefined: no HAProxy settings). */
  routeDifferences: number | undefined;
};

/** Milliseconds since a node's last heartbeat, on the database's clock (which the nodes beat with). */
const heartbeatAge = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint - ${nodes.heartbeatAt}`;

async function nodesWithAge(db: ControlOrm) {
  return db.select({ node: nodes, heartbeatAgeMs: heartbeatAge }).from(nodes).orderBy(nodes.id).all();
}

export async function clusterStatus(): Promise<ClusterStatus> {
  const cluster = clusterSettings();
  const db = controlDb().orm;
  const nodeRows = await nodesWithAge(db);
  const counts = await db
    .select({ nodeId: placement.nodeId, n: sql<number>`count(*)` })
    .from(placement)
    .groupBy(placement.nodeId)
    .all();
  const changing = await db
    .select({ slug: blogs.slug, state: placement.state, node: placement.nodeId, target: placement.targetNodeId })
    .from(placement)
    .innerJoin(blogs, eq(blogs.id, placement.blogId))
    .where(sql`${placement.state} <> 'active'`)
    .all();
  const unplaced = await db
    .select({ slug: blogs.slug })
    .from(blogs)
    .where(sql`not exists (select 1 from ${placement} where ${placement.blogId} = ${blogs.id})`)
    .all();
  let routeDifferences: number | undefined;
  if (cluster.haproxy) {
    const expected = new Map((await readRoutes(db, config().rootHostname)).map((route) => [route.key, route.backend]));
    const actual = await showRoutes(cluster.haproxy);
    routeDifferences =
      actual.filter((route) => expected.get(route.key) !== route.backend).length + Math.max(0, expected.size - actual.length);
  }
  return {
    nodes: nodeRows.map(({ node, heartbeatAgeMs }) => ({
      ...node,
      blogs: counts.find((count) => count.nodeId === node.id)?.n ?? 0,
      heartbeatAgeMs,
    })),
    changing,
    unplaced: unplaced.map((row) => row.slug),
    routeDifferences,
  };
}

type Placed = { blogId: number; slug: string; nodeId: string; epoch: number };

async function nodeNamed(db: ControlOrm, id: string): Promise<ClusterNode & { heartbeatAgeMs: number }> {
  const row = await db.select({ node: nodes, heartbeatAgeMs: heartbeatAge }).from(nodes).where(eq(nodes.id, id)).get();
  if (!row) throw new InputError(`There is no node "${id}" in this cluster.`);
  return { ...row.node, heartbeatAgeMs: row.heartbeatAgeMs };
}

export type MoveResult = { slug: string; from: string; to: string; epoch: number; writesPausedMs: number };

/** Moves a blog to another live node; reads never stop, writes pause for the copy. */
export async function moveBlog(slug: string, to: string): Promise<MoveResult> {
  clusterSettings();
  const control = controlDb();
  const target = await nodeNamed(control.orm, to);
  if (target.state !== 'active' || target.heartbeatAgeMs > DEAD_AFTER_MS) {
    throw new InputError(
      `Node "${to}" is not taking blogs (${target.state}, last heard from ${Math.round(target.heartbeatAgeMs / 1000)} s ago).`,
    );
  }
  const placed = await control.transaction(async (tx) => {
    const row = await placementOfSlug(tx, slug);
    if (!row) throw new InputError(`There is no blog "${slug}" placed in this cluster.`);
    if (row.state !== 'active') throw new InputError(`${slug} is already ${row.state}.`);
    if (row.nodeId === to) throw new InputError(`${slug} is already on ${to}.`);
    await tx
      .update(placement)
      .set({ state: 'moving', targetNodeId: to, targetReady: false, changedAt: new Date() })
      .where(eq(placement.blogId, row.blogId))
      .run();
    return row;
  });
  const started = performance.now();
  const source = await nodeNamed(control.orm, placed.nodeId);
  try {
    await askToAdopt(target, slug, { epoch: placed.epoch, from: { kind: 'node', address: source.address } });
  } catch (error) {
    // Called off: the blog stays where it was, writable again.
    await callOff(placed);
    throw error;
  }
  await switchOver(placed, to);
  return { slug, from: placed.nodeId, to, epoch: placed.epoch + 1, writesPausedMs: Math.round(performance.now() - started) };
}

/**
 * The target has the file: readers are sent there, then it becomes the owner under the next
 * epoch, and the routes are published again. Readers are never sent to a node that neither owns
 * the blog nor has its file. A failure before the epoch moved calls the change off: the blog
 * stays where it was (writable again on a live owner).
 */
async function switchOver(placed: Placed, to: string): Promise<void> {
  const control = controlDb();
  try {
    await control.transaction(async (tx) => {
      await tx.update(placement).set({ targetReady: true }).where(eq(placement.blogId, placed.blogId)).run();
    });
    await syncRoutes();
    await control.transaction(async (tx) => {
      const changed = await tx
        .update(placement)
        .set({ nodeId: to, epoch: placed.epoch + 1, state: 'active', targetNodeId: null, targetReady: false, changedAt: new Date() })
        .where(and(eq(placement.blogId, placed.blogId), eq(placement.epoch, placed.epoch)))
        .returning({ epoch: placement.epoch })
        .all();
      if (changed.length !== 1) throw new Error(`${placed.slug} changed while it moved; nothing was switched`);
    });
  } catch (error) {
    await callOff(placed);
    await syncRoutes().catch(() => undefined);
    throw error;
  }
  await syncRoutes();
}

/** A move or restore that did not complete: the blog is placed as it was, under its epoch. */
async function callOff(placed: Placed): Promise<void> {
  await controlDb().transaction(async (tx) => {
    await tx
      .update(placement)
      .set({ state: 'active', targetNodeId: null, targetReady: false, changedAt: new Date() })
      .where(and(eq(placement.blogId, placed.blogId), eq(placement.epoch, placed.epoch)))
      .run();
  });
}

async function askToAdopt(node: ClusterNode, slug: string, request: AdoptRequest): Promise<void> {
  const response = await fetch(`http://${node.address}${CLUSTER_PATH}blogs/${slug}/adopt`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', [CLUSTER_SECRET_HEADER]: clusterSettings().secret },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(ADOPT_TIMEOUT_MS),
  }).catch((error: unknown) => {
    throw new Error(`Node "${node.id}" at ${node.address} could not be reached: ${(error as Error).message}`);
  });
  if (!response.ok) {
    const reason = ((await response.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${response.status}`;
    throw new Error(`Node "${node.id}" could not take ${slug}: ${reason}`);
  }
}

/** The live nodes other than `except`, fewest blogs first. */
async function liveNodes(db: ControlOrm, except: string): Promise<{ node: ClusterNode; blogs: number }[]> {
  // From the control plane alone: a failover must not depend on HAProxy's runtime API answering.
  const counts = await db
    .select({ nodeId: placement.nodeId, n: sql<number>`count(*)` })
    .from(placement)
    .groupBy(placement.nodeId)
    .all();
  return (await nodesWithAge(db))
    .filter(({ node, heartbeatAgeMs }) => node.id !== except && node.state === 'active' && heartbeatAgeMs <= DEAD_AFTER_MS)
    .map(({ node }) => ({ node, blogs: counts.find((count) => count.nodeId === node.id)?.n ?? 0 }))
    .sort((a, b) => a.blogs - b.blogs);
}

async function blogsOn(db: ControlOrm, nodeId: string): Promise<Placed[]> {
  return db
    .select({ blogId: blogs.id, slug: blogs.slug, nodeId: placement.nodeId, epoch: placement.epoch, state: placement.state })
    .from(placement)
    .innerJoin(blogs, eq(blogs.id, placement.blogId))
    .where(eq(placement.nodeId, nodeId))
    .orderBy(blogs.slug)
    .all();
}

/** Picks the node with the fewest blogs for each of `count` blogs, counting those it already got. */
function spread(candidates: { node: ClusterNode; blogs: number }[], count: number): ClusterNode[] {
  const chosen: ClusterNode[] = [];
  for (let i = 0; i < count; i++) {
    candidates.sort((a, b) => a.blogs - b.blogs);
    const least = candidates[0]!;
    least.blogs++;
    chosen.push(least.node);
  }
  return chosen;
}

export type DrainResult = { moved: MoveResult[]; failed: { slug: string; error: string }[] };

/** Moves every blog off a node (which takes no more moves or failovers), one at a time. */
export async function drainNode(id: string, onProgress?: (done: number, total: number, slug: string) => void): Promise<DrainResult> {
  clusterSettings();
  const control = controlDb();
  await nodeNamed(control.orm, id);
  await control.orm.update(nodes).set({ state: 'draining' }).where(eq(nodes.id, id)).run();
  const placed = await blogsOn(control.orm, id);
  const candidates = await liveNodes(control.orm, id);
  if (placed.length > 0 && candidates.length === 0) throw new InputError('No other live node can take these blogs.');
  const targets = spread(candidates, placed.length);
  const result: DrainResult = { moved: [], failed: [] };
  for (const [i, blog] of placed.entries()) {
    try {
      result.moved.push(await moveBlog(blog.slug, targets[i]!.id));
    } catch (error) {
      result.failed.push({ slug: blog.slug, error: (error as Error).message });
    }
    onProgress?.(i + 1, placed.length, blog.slug);
  }
  return result;
}

export type FailoverResult = {
  restored: { slug: string; to: string; epoch: number; seconds: number }[];
  failed: { slug: string; error: string }[];
  seconds: number;
};

/**
 * A dead node's blogs onto the survivors, each from the replica of its epoch (what its Litestream
 * had sent: the writes of its last sync interval may be lost), checked and migrated before it is
 * served. Refused while the node still beats, unless `force`.
 */
export async function failoverNode(
  id: string,
  options: { force?: boolean; onProgress?: (done: number, total: number, slug: string) => void } = {},
): Promise<FailoverResult> {
  const cluster = clusterSettings();
  if (!cluster.replica) throw new InputError('A failover restores from the replicas: set QUIRE_CLUSTER_REPLICA.');
  const started = performance.now();
  const control = controlDb();
  const dead = await nodeNamed(control.orm, id);
  const silentMs = dead.heartbeatAgeMs;
  if (silentMs < DEAD_AFTER_MS && !options.force) {
    throw new InputError(`Node "${id}" was heard from ${Math.round(silentMs / 1000)} s ago: it is not dead. (--force if it is.)`);
  }
  await control.orm.update(nodes).set({ state: 'dead' }).where(eq(nodes.id, id)).run();
  const placed = await blogsOn(control.orm, id);
  const candidates = await liveNodes(control.orm, id);
  if (placed.length > 0 && candidates.length === 0) throw new InputError('No live node is left to take these blogs.');
  const targets = spread(candidates, placed.length);
  const result: FailoverResult = { restored: [], failed: [], seconds: 0 };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < placed.length) {
      const i = next++;
      const blog = placed[i]!;
      const target = targets[i]!;
      const blogStarted = performance.now();
      try {
        await control.transaction(async (tx) => {
          await tx
            .update(placement)
            .set({ state: 'restoring', targetNodeId: target.id, targetReady: false, changedAt: new Date() })
            .where(and(eq(placement.blogId, blog.blogId), eq(placement.epoch, blog.epoch)))
            .run();
        });
        try {
          await askToAdopt(target, blog.slug, { epoch: blog.epoch, from: { kind: 'replica' } });
        } catch (error) {
          await callOff(blog); // still the dead node's: a later failover tries again
          throw error;
        }
        await switchOver(blog, target.id);
        result.restored.push({ slug: blog.slug, to: target.id, epoch: blog.epoch + 1, seconds: (performance.now() - blogStarted) / 1000 });
      } catch (error) {
        result.failed.push({ slug: blog.slug, error: (error as Error).message });
      }
      options.onProgress?.(++done, placed.length, blog.slug);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FAILOVER_CONCURRENCY, placed.length) }, worker));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
