import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { ClusterConfig } from '@/lib/config';
import { controlDb } from '@/lib/db/control';
import { tenantDbPath } from '@/lib/db/paths';
import { tenantPool } from '@/lib/db/pool';
import { nodes } from '@/lib/db/schema/cluster';
import { registeredBlogs } from '@/lib/registry/registry';
import { heldEpoch, heldSlugs, holdEpoch, letGoOf } from './held';
import { syncRoutes } from './placement';

/**
 * This server as a node of a cluster (docs/scale-out.md): it records itself in `nodes` and beats
 * every HEARTBEAT_MS. Every CHECK_MS it compares what it holds with the placement the control
 * plane announces: it holds each blog placed on it (active) whose file it has, under that epoch
 * (blogs created here by any process, and all of its blogs after a restart), and lets go of a blog
 * placed elsewhere or under another epoch (closes its file once requests are done with it). A
 * move or a restore onto this node holds the next epoch itself (lib/cluster/handoff.ts). It
 * rewrites HAProxy's routes when the blogs or their placement change (a rename, a deletion, a
 * move), and every ROUTES_EVERY_MS in case a change was missed (custom domains, a restarted HAProxy).
 */
const HEARTBEAT_MS = 2000;
const CHECK_MS = 500;
/** HAProxy's map is rewritten from the control plane this often too: a change it missed heals. */
const ROUTES_EVERY_MS = 30_000;

type Node = NonNullable<ClusterConfig['node']>;

/** Heartbeats are the database's clock: `quire cluster` compares them with it, wherever it runs. */
const DATABASE_NOW = sql`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export async function joinCluster(node: Node): Promise<() => void> {
  const db = controlDb();
  const now = new Date();
  await db.orm
    .insert(nodes)
    .values({ id: node.id, address: node.address, state: 'active', startedAt: now, heartbeatAt: now })
    .onConflictDoUpdate({
      target: nodes.id,
      // A node marked dead comes back active: whatever was placed on it has been placed elsewhere.
      set: {
        address: node.address,
        startedAt: now,
        heartbeatAt: DATABASE_NOW,
        state: sql`case when ${nodes.state} = 'draining' then 'draining' else 'active' end`,
      },
    })
    .run();
  followPlacement(node);

  const beat = setInterval(() => {
    void db.orm
      .update(nodes)
      .set({ heartbeatAt: DATABASE_NOW })
      .where(sql`${nodes.id} = ${node.id}`)
      .run()
      .catch((error: unknown) => console.error(`[quire] heartbeat not recorded: ${(error as Error).message}`));
  }, HEARTBEAT_MS);
  const check = setInterval(() => followPlacement(node), CHECK_MS);
  const routes = setInterval(
    () => void syncRoutes().catch((error: unknown) => console.error(`[quire] routes not published: ${(error as Error).message}`)),
    ROUTES_EVERY_MS,
  );
  for (const timer of [beat, check, routes]) timer.unref();
  return () => [beat, check, routes].forEach(clearInterval);
}

/** What the routes depend on, as the registry last read it: a change rewrites them at once. */
let routedBlogs = '';

function followPlacement(node: Node): void {
  const registered = registeredBlogs();
  const routed = registered
    .map((blog) => `${blog.slug} ${blog.status} ${blog.placement?.node} ${blog.placement?.target}`)
    .sort()
    .join('\n');
  if (routed !== routedBlogs) {
    routedBlogs = routed;
    void syncRoutes().catch((error: unknown) => console.error(`[quire] routes not published: ${(error as Error).message}`));
  }
  const placements = new Map(registered.map((blog) => [blog.slug, blog.placement]));
  for (const [slug, placed] of placements) {
    if (placed?.node === node.id && placed.state === 'active' && heldEpoch(slug) === undefined && fs.existsSync(tenantDbPath(slug))) {
      holdEpoch(slug, placed.epoch);
    }
  }
  for (const slug of heldSlugs()) {
    const placed = placements.get(slug);
    const epoch = heldEpoch(slug);
    const owner = placed?.node === node.id && placed.epoch === epoch;
    const arriving = placed?.target === node.id && placed.epoch + 1 === epoch;
    // A move called off: the blog is active here again, and its handles writable.
    if (owner && placed.state === 'active') tenantPool().setReadOnly(slug, false);
    if (owner || arriving) continue;
    letGoOf(slug);
    tenantPool().close(slug);
    tenantPool().setReadOnly(slug, false);
    console.log(`[quire] ${slug} is now served by ${placed?.node ?? 'no node'}: let go of its file here`);
  }
}
