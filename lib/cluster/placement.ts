import { eq } from 'drizzle-orm';
import { config } from '@/lib/config';
import { InputError } from '@/lib/input';
import { controlDb, type ControlOrm } from '@/lib/db/control';
import { placement } from '@/lib/db/schema/cluster';
import { blogs } from '@/lib/db/schema/control';
import { holdEpoch } from './held';
import { publishRoutes, readRoutes } from './router';

/** In a cluster a blog is created on a node (it holds the file): refused elsewhere, before anything is written. */
export function assertNodeForNewBlog(): void {
  const cluster = config().cluster;
  if (cluster && !cluster.node) {
    throw new InputError("In a cluster a blog is created on a node: run this with that node's settings (QUIRE_NODE_ID, QUIRE_DATA_DIR).");
  }
}

/**
 * Where a new blog lives in a cluster: on the node that created it, epoch 1 (docs/scale-out.md).
 * Runs in the transaction that records the blog; nothing on a single machine.
 */
export async function placeNewBlog(tx: ControlOrm, blog: { id: number; slug: string }): Promise<void> {
  const node = config().cluster?.node;
  if (!node) return;
  await tx.insert(placement).values({ blogId: blog.id, nodeId: node.id, epoch: 1, state: 'active', changedAt: new Date() }).run();
  holdEpoch(blog.slug, 1);
}

/**
 * Rewrites HAProxy's routes from the control plane (lib/cluster/router.ts). The rewrites take
 * turns (a lock of their own, not the control plane's write lock: the network calls hold up no
 * sign-up), and each reads the placement inside its turn, so an older picture never lands last.
 * Nothing without HAProxy settings.
 */
export async function syncRoutes(): Promise<void> {
  const haproxy = config().cluster?.haproxy;
  if (!haproxy) return;
  await controlDb().transaction(async (tx) => publishRoutes(haproxy, await readRoutes(tx, config().rootHostname)), { lock: 'routes' });
}

/**
 * In a cluster, the ids of the blogs placed on this node: what `quire migrate` and `quire
 * doctor` run over there (every node runs them for its own blogs). Undefined on a single machine.
 */
export async function blogIdsPlacedHere(): Promise<Set<number> | undefined> {
  const node = config().cluster?.node;
  if (!node) return undefined;
  const rows = await controlDb().orm.select({ id: placement.blogId }).from(placement).where(eq(placement.nodeId, node.id)).all();
  return new Set(rows.map((row) => row.id));
}

/** A blog's placement row by its slug, read from the control plane itself (the registry may lag a moment). */
export async function placementOfSlug(db: ControlOrm, slug: string) {
  return db
    .select({
      blogId: blogs.id,
      slug: blogs.slug,
      nodeId: placement.nodeId,
      epoch: placement.epoch,
      state: placement.state,
      target: placement.targetNodeId,
    })
    .from(placement)
    .innerJoin(blogs, eq(blogs.id, placement.blogId))
    .where(eq(blogs.slug, slug))
    .get();
}
