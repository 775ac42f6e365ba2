import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { blogs } from './control';

/**
 * A cluster's tables (docs/scale-out.md), in the PostgreSQL control plane only
 * (migrations/control-postgres/0001_cluster.sql): declared with the SQLite builders because every
 * control query is built by drizzle's SQLite dialect (lib/db/control.ts).
 */
export const nodes = sqliteTable(
  'nodes',
  {
    id: text('id').primaryKey(),
    /** host:port where the proxy and the other nodes reach it. */
    address: text('address').notNull(),
    state: text('state', { enum: ['active', 'draining', 'dead'] })
      .notNull()
      .default('active'),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
    heartbeatAt: integer('heartbeat_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [check('nodes_state_check', sql`${t.state} in ('active', 'draining', 'dead')`)],
);

/** One owner node per blog; `epoch` grows at each move or failover. */
export const placement = sqliteTable(
  'placement',
  {
    blogId: integer('blog_id')
      .primaryKey()
      .references(() => blogs.id, { onDelete: 'cascade' }),
    nodeId: text('node_id')
      .notNull()
      .references(() => nodes.id),
    epoch: integer('epoch').notNull().default(1),
    state: text('state', { enum: ['active', 'moving', 'restoring'] })
      .notNull()
      .default('active'),
    /** While moving or restoring: the node it is going to. */
    targetNodeId: text('target_node_id').references(() => nodes.id),
    /** The target has the file in place: the proxy sends readers there (lib/cluster/router.ts). */
    targetReady: integer('target_ready', { mode: 'boolean' }).notNull().default(false),
    changedAt: integer('changed_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [check('placement_state_check', sql`${t.state} in ('active', 'moving', 'restoring')`)],
);

export type ClusterNode = typeof nodes.$inferSelect;
