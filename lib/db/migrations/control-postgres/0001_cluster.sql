-- A cluster (docs/scale-out.md): the nodes that serve blogs, and which node owns each blog's file.
-- These tables exist on PostgreSQL only: a single machine on control.db has no placement.

create table nodes (
  id text primary key,
  -- host:port where the proxy and the other nodes reach it
  address text not null,
  state text not null default 'active' check (state in ('active', 'draining', 'dead')),
  started_at bigint not null,
  heartbeat_at bigint not null
);

-- One owner node per blog. `epoch` grows by one at each move or failover: a node acts on a blog
-- only under the epoch it was given it with, and its replica path carries that epoch.
create table placement (
  blog_id bigint primary key references blogs(id) on delete cascade,
  node_id text not null references nodes(id),
  epoch integer not null default 1,
  state text not null default 'active' check (state in ('active', 'moving', 'restoring')),
  -- while moving or restoring: the node it is going to, and whether that node has the file in
  -- place (checked and migrated): from then on the proxy sends the blog's readers there
  target_node_id text references nodes(id),
  target_ready integer not null default 0,
  changed_at bigint not null
);
create index placement_node on placement (node_id);

create trigger placement_registry after insert or update or delete on placement for each statement execute function quire_registry_changed();
