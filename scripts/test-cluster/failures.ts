import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { restoreClusterBlog } from '@/lib/backup/restore';
import { DEAD_AFTER_MS, type ClusterStatus, type FailoverResult } from '@/lib/cluster/operations';
import { NODE_IDS, type NodeId, type Placed, type TestCluster } from './cluster';
import { countBy, describe, expect, proxy, publishPost, steadyLitestream, waitUntilServedBy, type Fixture, type Measured } from './checks';
import { blogHost, inParallel, send, steadyLoad, type Answer } from './http';
import { childrenNamed, sleep, tail, waitUntil } from './processes';

/**
 * Checks 3 to 5 of `npm run test:cluster` (scripts/test-cluster/checks.ts has 1 and 2): what
 * happens when things die. A node killed with everything it runs, and its blogs failed over from
 * the replicas (3); that node back with its stale files (4); PostgreSQL stopped under load (5).
 */
const KILLED: NodeId = 'n3';
const survivors = NODE_IDS.filter((id) => id !== KILLED);

// ── 3 ────────────────────────────────────────────────────────────────────────────────────────
const API_WRITES_PER_SECOND = 5;
/** node-writer.ts on the doomed node: a post every 50 ms, round its blogs, until it is killed. */
const NODE_WRITE_EVERY_MS = 50;
/** Enough posts for a minute: it is killed long before it runs out. */
const NODE_WRITES = 1200;
const WRITING_BEFORE_KILL_MS = 5000;
/** The heartbeat must be older than DEAD_AFTER_MS when `failover` looks: a little more. */
const DEAD_MARGIN_MS = 500;
/**
 * What a failover may lose: what Litestream had not sent yet. With a sync interval of 1 s, it
 * looks at the WAL every second and sends every second: a write up to ~2 s old; 3 s on a loaded
 * 2-core machine.
 */
const RPO_BOUND_MS = 3000;
const RTO_TIMEOUT_MS = 90_000;

type Ack = { blog: string; post: string; at: number; by: 'api' | 'node-writer' };

/**
 * kill -9 of n3 (its server, its backup run and Litestream, the writer running on it) under
 * writes through the dashboard API to the account's blog there and node-writer's posts to all of
 * its blogs; once its heartbeat is over 10 s old, `quire cluster failover n3`. Measures RPO (the
 * acknowledged writes that are missing afterwards, and how long before the kill they were
 * acknowledged) and RTO (from the kill until every one of its blogs answers 200 through HAProxy
 * from a survivor). The failover checks each restored file (integrity_check, the search index)
 * and refuses one that fails: every blog must be restored, none refused.
 */
export async function checkKillAndFailover(fixture: Fixture): Promise<Measured> {
  const { cluster } = fixture;
  const doomed = [...(await cluster.placement()).values()].filter((placed) => placed.node === KILLED);
  const accountBlog = fixture.accountBlogOn[KILLED];
  expect(doomed.length > 0 && accountBlog !== '', `Nothing to fail over: ${KILLED} holds ${doomed.length} blogs.`);
  expect(
    doomed.every((placed) => placed.state === 'active'),
    `Blogs of ${KILLED} are not all active: ${doomed.map((p) => p.state).join(' ')}.`,
  );
  fixture.failedOver = doomed;

  const apiWriter = steadyLoad(API_WRITES_PER_SECOND, (i) => publishPost(fixture, accountBlog, `api-${i}`));
  const posts = Array.from({ length: NODE_WRITES }, (_, i) => `${doomed[i % doomed.length]!.slug}:w-${i}`);
  const nodeWriter = cluster.startWriterOn(KILLED, ['post', '--every', String(NODE_WRITE_EVERY_MS), ...posts]);
  // A writer that never starts fails the check: the API's load does not outlive it.
  await nodeWriter.waitFor('ack ', 30_000).catch(async (error: unknown) => {
    await apiWriter.stop();
    throw error;
  });
  await sleep(WRITING_BEFORE_KILL_MS);

  const killedAt = Date.now();
  await cluster.killNode(KILLED);
  const recovery = watchUntilServedBy(
    fixture,
    doomed.map((placed) => placed.slug),
    survivors,
  );
  try {
    const apiWrites = await apiWriter.stop();
    await waitUntil(`${KILLED}'s heartbeat is ${DEAD_AFTER_MS / 1000} s old`, 30_000, async () => {
      return (await cluster.heartbeatAgeMs(KILLED)) > DEAD_AFTER_MS + DEAD_MARGIN_MS;
    });
    const failoverStart = Date.now();
    const deadAfterMs = failoverStart - killedAt;
    const run = await cluster.runQuire(['cluster', 'failover', KILLED, '--json']);
    const failoverMs = Date.now() - failoverStart;
    const result = parseFailover(run.stdout);
    expect(
      result !== undefined,
      `quire cluster failover ${KILLED} (exit ${run.code}) printed no result:\n${tail(run.stdout + run.stderr)}`,
    );
    expect(
      result.failed.length === 0 && run.code === 0,
      `The failover refused ${result.failed.length} blog(s), e.g. ${result.failed[0]?.slug}: ${result.failed[0]?.error}.`,
    );
    expect(
      result.restored.length === doomed.length,
      `The failover restored ${result.restored.length} of ${KILLED}'s ${doomed.length} blogs.`,
    );

    const servedAt = await recovery.done;
    const rtoMs = Math.max(...servedAt.values()) - killedAt;
    const after = await cluster.placement();
    const misplaced = doomed.filter((before) => {
      const now = after.get(before.slug);
      return !now || now.node === KILLED || now.epoch !== before.epoch + 1 || now.state !== 'active';
    });
    expect(
      misplaced.length === 0,
      `${misplaced.length} blogs are not placed on a survivor under the next epoch, e.g. ${misplaced[0]?.slug}.`,
    );

    const acks: Ack[] = [
      ...apiWrites.flatMap((write, i) =>
        write.answer.status === 200 ? [{ blog: accountBlog, post: `api-${i}`, at: write.answeredAt, by: 'api' as const }] : [],
      ),
      ...nodeWriterAcks(nodeWriter.output()),
    ];
    const { lost, unexpected } = await findLost(fixture, acks);
    expect(unexpected.length === 0, `Reading back acknowledged writes: ${describe(unexpected[0])}.`);
    const lostAges = lost.map((ack) => killedAt - ack.at);
    const oldestLostMs = Math.max(0, ...lostAges);
    expect(
      oldestLostMs <= RPO_BOUND_MS,
      `A write acknowledged ${oldestLostMs} ms before the kill was lost (at most ${RPO_BOUND_MS} ms expected).`,
    );

    const apiAcked = acks.filter((ack) => ack.by === 'api').length;
    return {
      killed: `${KILLED} (${doomed.length} blogs) under ${API_WRITES_PER_SECOND} API writes/s and ${1000 / NODE_WRITE_EVERY_MS} node writes/s`,
      'dead after': `${(deadAfterMs / 1000).toFixed(1)} s after the kill, its heartbeat was over ${DEAD_AFTER_MS / 1000} s old`,
      failover: `${result.restored.length} restored, ${result.failed.length} refused (integrity + search index checked), CLI ${(failoverMs / 1000).toFixed(1)} s; per blog ${secondsSpread(result.restored.map((blog) => blog.seconds))}`,
      RTO: `${(rtoMs / 1000).toFixed(1)} s from the kill until all ${doomed.length} blogs answered 200 from a survivor (${countBy(
        doomed,
        (placed) => after.get(placed.slug)?.node,
      )})`,
      'RPO writes': `${lost.length} of ${acks.length} acknowledged writes lost (API ${lost.filter((a) => a.by === 'api').length}/${apiAcked}, node-writer ${
        lost.filter((a) => a.by === 'node-writer').length
      }/${acks.length - apiAcked})`,
      'RPO window':
        lost.length === 0 ? 'nothing lost' : `lost writes were acknowledged ${Math.min(...lostAges)}–${oldestLostMs} ms before the kill`,
    };
  } finally {
    recovery.cancel();
  }
}

/**
 * Polls each blog through HAProxy (every 250 ms, those not served yet) until it answers 200
 * from one of `nodes`: when each first did (ms since the epoch). Cancelled, it stops at its next poll.
 */
function watchUntilServedBy(
  fixture: Fixture,
  slugs: string[],
  nodes: readonly string[],
): { done: Promise<Map<string, number>>; cancel: () => void } {
  const servedAt = new Map<string, number>();
  let cancelled = false;
  const done = waitUntil(
    () => `every blog is served by ${nodes.join(' or ')} (${slugs.length - servedAt.size} not yet)`,
    RTO_TIMEOUT_MS,
    async () => {
      if (cancelled) throw new Error('cancelled');
      const pending = slugs.filter((slug) => !servedAt.has(slug));
      await inParallel(
        8,
        pending.map((slug) => async () => {
          const answer = await send(proxy(fixture), blogHost(slug), '/');
          if (answer.status === 200 && answer.node && nodes.includes(answer.node)) servedAt.set(slug, Date.now());
        }),
      );
      return servedAt.size === slugs.length;
    },
    250,
  ).then(() => servedAt);
  // Awaited only once the failover is through: a failure before then must not go unhandled.
  done.catch(() => undefined);
  return { done, cancel: () => (cancelled = true) };
}

/** Median and maximum of some durations in seconds, for the table. */
function secondsSpread(seconds: number[]): string {
  const sorted = [...seconds].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(2)} s, max ${sorted.at(-1)?.toFixed(2)} s`;
}

function parseFailover(stdout: string): FailoverResult | undefined {
  try {
    return JSON.parse(stdout) as FailoverResult;
  } catch {
    return undefined;
  }
}

/** node-writer.ts's `ack <blog> <post> <ms>` lines. */
function nodeWriterAcks(output: string): Ack[] {
  return [...output.matchAll(/^ack (\S+) (\S+) (\d+)$/gm)].map(([, blog, post, at]) => ({
    blog: blog!,
    post: post!,
    at: Number(at),
    by: 'node-writer' as const,
  }));
}

/** Each acknowledged post read back through HAProxy: 404 is a lost write; anything but 200 or 404, unexpected. */
async function findLost(fixture: Fixture, acks: Ack[]): Promise<{ lost: Ack[]; unexpected: Answer[] }> {
  const answers = await inParallel(
    10,
    acks.map((ack) => () => send(proxy(fixture), blogHost(ack.blog), `/posts/${ack.post}`)),
  );
  return {
    lost: acks.filter((_, i) => answers[i]!.status === 404),
    unexpected: answers.filter((answer) => answer.status !== 200 && answer.status !== 404),
  };
}

// ── 4 ────────────────────────────────────────────────────────────────────────────────────────
/** The killed node's files are watched this long after it starts again. */
const WATCHED_AFTER_RESTART_MS = 5000;
/** Its old blogs moved back to it (check 5 reads blogs on every node). */
const MOVED_BACK = 3;

/**
 * n3 started again (same port, data directory and environment) with its stale files, and its
 * backup run. Straight to its port, its old blogs get 503, and so do its dashboard and a write
 * through the API; through HAProxy they answer 200 from their new owners; its backup run starts
 * no Litestream (nothing is placed on it), and the replica folders of those blogs (the old
 * epoch's and the new one's) do not change. Then it takes blogs again: three of its old blogs
 * moved back replace its stale copies, are served by it, and are replicated under their new epoch.
 */
export async function checkStaleNodeBack(fixture: Fixture): Promise<Measured> {
  const { cluster, account } = fixture;
  const formerly = fixture.failedOver;
  expect(formerly.length > 0, `Check 3 did not fail ${KILLED} over.`);
  const node = cluster.nodes[KILLED];
  const blogIds = formerly.map((placed) => placed.blogId);
  const before = await steadyReplicaListing(cluster, blogIds);

  const restartedAt = Date.now();
  await cluster.startNode(KILLED);
  cluster.startBackup(KILLED);
  const startedMs = Date.now() - restartedAt;

  const direct = await inParallel(
    8,
    formerly.map((placed) => () => send(node.port, blogHost(placed.slug), '/')),
  );
  const served = direct.filter((answer) => answer.status !== 503);
  expect(served.length === 0, `${served.length} of its old blogs were answered by ${KILLED} itself, e.g. ${describe(served[0])}.`);
  const accountBlog = fixture.accountBlogOn[KILLED];
  const dashboard = await account.session.call('GET', `/dashboard/${accountBlog}`, undefined, node.port);
  expect(dashboard.status === 503, `The dashboard of ${accountBlog}, straight to ${KILLED}: ${describe(dashboard)}.`);
  const write = await publishPost(fixture, accountBlog, 'to-the-stale-node', node.port);
  expect(write.status === 503, `A write to ${accountBlog} through the API, straight to ${KILLED}: ${describe(write)}.`);

  await node.backup!.waitFor(`no blog is placed on node ${KILLED}`, 20_000);
  const litestreams = childrenNamed(node.backup!.child.pid!, 'litestream');
  expect(litestreams.length === 0, `${KILLED}'s backup run started Litestream (pid ${litestreams.join(', ')}) with nothing placed on it.`);
  await sleep(Math.max(0, restartedAt + WATCHED_AFTER_RESTART_MS - Date.now()));
  const after = replicaListing(cluster, blogIds);
  const changed = differences(before, after);
  expect(changed.length === 0, `Replica files of ${KILLED}'s old blogs changed after it came back: ${changed.slice(0, 5).join(', ')}.`);
  const staleFiles = formerly.filter((placed) => fs.existsSync(path.join(node.dataDir, 'tenants', `${placed.slug}.db`))).length;

  const placement = await cluster.placement();
  const viaProxy = await inParallel(
    8,
    formerly.map((placed) => async () => ({ placed, answer: await send(proxy(fixture), blogHost(placed.slug), '/') })),
  );
  const wrong = viaProxy.filter(({ placed, answer }) => answer.status !== 200 || answer.node !== placement.get(placed.slug)?.node);
  expect(
    wrong.length === 0,
    `Through HAProxy, ${wrong[0]?.placed.slug} (placed on ${placement.get(wrong[0]?.placed.slug ?? '')?.node}): ${describe(wrong[0]?.answer)}.`,
  );
  // Nothing the stale node was asked to write reached the blog.
  const refusedPost = await send(proxy(fixture), blogHost(accountBlog), '/posts/to-the-stale-node');
  expect(refusedPost.status === 404, `The write refused by ${KILLED} is readable: ${describe(refusedPost)}.`);

  const movedBack = await moveBackToKilledNode(fixture);
  const epochs = [...before.keys()].map((file) => file.split(path.sep)[1]);
  return {
    'back in': `${(startedMs / 1000).toFixed(1)} s; ${staleFiles} stale blog files still on its disk, none opened`,
    'straight to it': `${formerly.length}/${formerly.length} old blogs 503; dashboard 503; API write 503`,
    'through HAProxy': `${viaProxy.length}/${viaProxy.length} answered 200 by their new owner (${countBy(viaProxy, ({ answer }) => answer.node)})`,
    'its backup run': 'nothing placed on it: no Litestream',
    replicas: `${before.size} files (${countBy(epochs, (epoch) => epoch)}) unchanged ${WATCHED_AFTER_RESTART_MS / 1000} s after the restart`,
    'takes blogs again': movedBack,
  };
}

/** `<replica>/blogs/<id>/…`, every file under the blogs' folders (all epochs): path → size. */
function replicaListing(cluster: TestCluster, blogIds: number[]): Map<string, number> {
  const listing = new Map<string, number>();
  const walk = (dir: string) => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else listing.set(path.relative(path.join(cluster.replicaDir, 'blogs'), file), fs.statSync(file).size);
    }
  };
  for (const id of blogIds) walk(path.join(cluster.replicaDir, 'blogs', String(id)));
  return listing;
}

/**
 * The listing once the survivors' Litestream has sent the restored blogs (a snapshot and WAL of
 * each new epoch, a few seconds after the failover): each survivor's Litestream replicates all
 * the blogs placed on it (no restart pending), and the listing is the same twice, two seconds apart.
 */
async function steadyReplicaListing(cluster: TestCluster, blogIds: number[]): Promise<Map<string, number>> {
  const placement = [...(await cluster.placement()).values()];
  for (const id of survivors) {
    await steadyLitestream(id, cluster.nodes[id].backup!, placement.filter((placed) => placed.node === id).length);
  }
  let last = replicaListing(cluster, blogIds);
  await waitUntil(
    "the survivors' replicas of the restored blogs are steady",
    30_000,
    () => {
      const now = replicaListing(cluster, blogIds);
      const steady = differences(last, now).length === 0;
      last = now;
      return steady;
    },
    2000,
  );
  return last;
}

function differences(before: Map<string, number>, after: Map<string, number>): string[] {
  const changed: string[] = [];
  for (const [file, size] of before) if (after.get(file) !== size) changed.push(`${file} ${size}→${after.get(file) ?? 'gone'}`);
  for (const file of after.keys()) if (!before.has(file)) changed.push(`${file} new`);
  return changed;
}

/**
 * The first of n3's old blogs gets a post on its new owner, then it and two more move back to n3,
 * over n3's stale copies: n3 serves them (the post written after the failover with them) and its
 * backup run replicates them under their next epoch, from where the post restores.
 */
async function moveBackToKilledNode(fixture: Fixture): Promise<string> {
  const { cluster } = fixture;
  const slugs = fixture.blogsOf[KILLED].slice(0, MOVED_BACK);
  const first = slugs[0]!;
  const owner = (await cluster.placement()).get(first)!.node as NodeId;
  await cluster.writeOn(owner, ['post', `${first}:after-failover`]);
  const onOwner = await send(proxy(fixture), blogHost(first), '/posts/after-failover');
  expect(onOwner.status === 200 && onOwner.node === owner, `A post written on ${first}'s new owner ${owner}: ${describe(onOwner)}.`);

  const started = Date.now();
  for (const slug of slugs) await cluster.quire(['cluster', 'move', slug, KILLED]);
  const movedMs = Date.now() - started;
  for (const slug of slugs) await waitUntilServedBy(fixture, slug, KILLED);
  const onKilled = await send(proxy(fixture), blogHost(first), '/posts/after-failover');
  expect(onKilled.status === 200 && onKilled.node === KILLED, `${first} moved back to ${KILLED}, its newest post: ${describe(onKilled)}.`);

  await cluster.nodes[KILLED].backup!.waitFor(`replicates ${MOVED_BACK} blogs placed on node ${KILLED}`, 20_000);
  const placed = (await cluster.placement()).get(first)!;
  const restored = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'quire-cluster-restore-')), `${first}.db`);
  try {
    // Litestream sends a new epoch's snapshot a moment after it starts.
    await waitUntil(
      `${first}'s epoch-${placed.epoch} replica holds its newest post`,
      20_000,
      async () => {
        fs.rmSync(restored, { force: true });
        try {
          await restoreClusterBlog(`file://${cluster.replicaDir}`, placed.blogId, placed.epoch, restored);
        } catch {
          return false; // nothing sent yet
        }
        const db = new Database(restored, { readonly: true });
        try {
          return db.prepare("select 1 from posts where slug = 'after-failover'").get() !== undefined;
        } finally {
          db.close();
        }
      },
      1000,
    );
  } finally {
    fs.rmSync(path.dirname(restored), { recursive: true, force: true });
  }
  return `${slugs.join(', ')} moved back in ${(movedMs / 1000).toFixed(1)} s over its stale copies; served by ${KILLED} with the post written after the failover; its Litestream replicates ${MOVED_BACK} blogs; epoch-${placed.epoch} restores`;
}

// ── 5 ────────────────────────────────────────────────────────────────────────────────────────
/** Blogs per node whose front page is requested (cached) before PostgreSQL stops, and during. */
const CACHED_PER_NODE = 3;
const DOWN_FOR_MS = 6000;
const DOWN_ROUND_MS = 1000;
/**
 * After the restart, each step is seen within this: a node's listener tries again 1, 2, 4 s…
 * after it lost PostgreSQL (the third try, 7 s after it stopped, finds it back).
 */
const ROUTABLE_WITHIN_MS = 10_000;
/** A heartbeat this old is fresh (nodes beat every 2 s). */
const FRESH_HEARTBEAT_MS = 5000;

/**
 * PostgreSQL stopped (a fast shutdown: connections cut) for six seconds under reads through
 * HAProxy of blogs on every node: front pages already cached and post pages never asked for
 * before, rendered from the blog files: all 200 from the owner. PostgreSQL started again, the
 * nodes reconnect: a blog created after the restart is routed to its node within seconds and
 * replicated by its backup run, and a move of it is followed by the node it leaves (both learn
 * only from PostgreSQL's notices); `quire cluster status` shows every node live with a fresh
 * heartbeat.
 */
export async function checkPostgresRestart(fixture: Fixture): Promise<Measured> {
  const { cluster } = fixture;
  const placement = await cluster.placement();
  // Blogs of node-writer's (with /posts/unread, never requested so far), on each node.
  const created = new Set(NODE_IDS.flatMap((id) => fixture.blogsOf[id]));
  const onNode = (id: NodeId) => [...placement.values()].filter((placed) => placed.node === id && created.has(placed.slug));
  const blogs = NODE_IDS.map((id) => ({ id, blogs: onNode(id) }));
  const empty = blogs.filter(({ blogs: on }) => on.length === 0);
  expect(empty.length === 0, `No blog to read on ${empty.map(({ id }) => id).join(', ')}.`);

  const cached = blogs.flatMap(({ blogs: on }) => on.slice(0, CACHED_PER_NODE));
  for (const placed of cached) {
    const warm = await send(proxy(fixture), blogHost(placed.slug), '/');
    expect(warm.status === 200 && warm.node === placed.node, `${placed.slug} before PostgreSQL stops: ${describe(warm)}.`);
  }
  // Each round asks each node for a post page it has never rendered: one blog's /posts/unread.
  const uncached = blogs.map(({ blogs: on }) => [...on].reverse());

  const stoppedAt = Date.now();
  await cluster.postgres.stop();
  const reads: { placed: Placed; path: string; answer: Answer }[] = [];
  try {
    for (let round = 0; Date.now() - stoppedAt < DOWN_FOR_MS; round++) {
      const roundStart = Date.now();
      const asked = [
        ...cached.map((placed) => ({ placed, path: '/' })),
        ...uncached.flatMap((on) => on.slice(round, round + 1).map((placed) => ({ placed, path: '/posts/unread' }))),
      ];
      const answers = await inParallel(
        8,
        asked.map(
          ({ placed, path: urlPath }) =>
            () =>
              send(proxy(fixture), blogHost(placed.slug), urlPath),
        ),
      );
      asked.forEach((ask, i) => reads.push({ ...ask, answer: answers[i]! }));
      await sleep(Math.max(0, roundStart + DOWN_ROUND_MS - Date.now()));
    }
  } finally {
    await cluster.postgres.start();
  }
  const restartedAt = Date.now();
  const downMs = restartedAt - stoppedAt;
  const failed = reads.filter(({ placed, answer }) => answer.status !== 200 || answer.node !== placed.node);
  expect(
    failed.length === 0,
    `${failed.length} of ${reads.length} reads while PostgreSQL was down failed, e.g. ${failed[0]?.placed.slug}${failed[0]?.path}: ${describe(failed[0]?.answer)}.`,
  );
  const hits = reads.filter(({ path: urlPath, answer }) => urlPath === '/' && answer.headers['x-quire-cache'] === 'hit').length;
  const rendered = reads.filter(({ path: urlPath }) => urlPath !== '/');

  // A blog created now, by a process of its own on n1: placed there, routed (that process
  // publishes the routes itself), served by n1.
  const slug = 'after-postgres-restart';
  const creating = Date.now();
  await cluster.writeOn('n1', ['create', slug]);
  const createdAt = Date.now();
  await waitUntilServedBy(fixture, slug, 'n1', ROUTABLE_WITHIN_MS);
  const routedMs = Date.now() - createdAt;
  // What only a notice from PostgreSQL tells: n1's backup run learns of the blog from its registry
  // (no request asks it to look), and n1 lets go of a blog moved away (it already knew it).
  const blogId = (await cluster.placement()).get(slug)!.blogId;
  await waitUntil(`n1's backup run replicates ${slug}`, ROUTABLE_WITHIN_MS, () =>
    fs.existsSync(path.join(cluster.replicaDir, 'blogs', String(blogId), 'epoch-1')),
  );
  const replicatedMs = Date.now() - createdAt;
  await cluster.quire(['cluster', 'move', slug, 'n2']);
  const letGoMs = await waitUntil(`n1 lets go of ${slug}, moved to n2`, ROUTABLE_WITHIN_MS, async () => {
    return (await send(cluster.nodes.n1.port, blogHost(slug), '/')).status === 503;
  });

  let status: ClusterStatus | undefined;
  await waitUntil(
    () => `every node has a fresh heartbeat (${status?.nodes.map((n) => `${n.id} ${n.heartbeatAgeMs} ms`).join(', ')})`,
    15_000,
    async () => {
      status = JSON.parse(await cluster.quire(['cluster', 'status', '--json'])) as ClusterStatus;
      return NODE_IDS.every((id) => {
        const node = status!.nodes.find((n) => n.id === id);
        return node?.state === 'active' && node.heartbeatAgeMs < FRESH_HEARTBEAT_MS;
      });
    },
    1000,
  );
  expect(status!.routeDifferences === 0, `After the restart HAProxy differs from the placement on ${status!.routeDifferences} route(s).`);
  return {
    'PostgreSQL down': `${(downMs / 1000).toFixed(1)} s`,
    'reads meanwhile': `${reads.length}, all 200 from the owner: ${reads.length - rendered.length} cached front pages (${hits} cache hits), ${rendered.length} post pages never rendered before (${countBy(
      rendered,
      ({ answer }) => answer.node,
    )})`,
    'new blog': `${slug}, created on n1 by a new process in ${((createdAt - creating) / 1000).toFixed(1)} s (from ${((creating - restartedAt) / 1000).toFixed(1)} s after the restart): routed to n1 ${(routedMs / 1000).toFixed(1)} s after, replicated by n1's backup run ${(replicatedMs / 1000).toFixed(1)} s after`,
    'placement followed': `moved to n2; n1 let go of it ${(letGoMs / 1000).toFixed(1)} s after the move`,
    'cluster status': `${status!.nodes.map((n) => `${n.id} ${n.state} ${(n.heartbeatAgeMs / 1000).toFixed(1)} s`).join(', ')} (heartbeat ages); routes as placed`,
  };
}
