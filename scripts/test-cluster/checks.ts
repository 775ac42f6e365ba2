import { NODE_IDS, type NodeId, type Placed, type TestCluster } from './cluster';
import { blogHost, inParallel, isSuccess, send, Session, steadyLoad, type Answer, type Timed } from './http';
import { childrenNamed, resourceUse, sleep, waitUntil, type Managed } from './processes';

/**
 * The checks of `npm run test:cluster`, in the order they run; each builds on the cluster the
 * ones before left (the blogs of check 1 are read, moved, lost and found by the others). A check
 * returns what it measured, or throws a CheckFailed saying what was expected and what was seen.
 */
export class CheckFailed extends Error {}

export type Measured = Record<string, string | number>;

export function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

/** What the checks share: the blogs created, and the account that owns one blog on each node. */
export type Fixture = {
  cluster: TestCluster;
  /** Blogs created by the CLI on each node (check 1), by node. */
  blogsOf: Record<NodeId, string[]>;
  account: { email: string; password: string; session: Session };
  /** The account's blog created on each node (check 1), for writes through the dashboard API. */
  accountBlogOn: Record<NodeId, string>;
  /** The blogs of the node killed in check 3, as they were placed before it died. */
  failedOver: Placed[];
};

/** How many of the hundred blogs each node creates. */
const BLOGS_PER_NODE: Record<NodeId, number> = { n1: 34, n2: 33, n3: 33 };
const ROUTING_REQUESTS = 1000;
/** A node learns of a change of placement from PostgreSQL's NOTIFY: a moment after the command ends. */
const NOTIFY_GRACE_MS = 1500;

export const proxy = (fixture: Fixture) => fixture.cluster.proxyPort;

/** The slug of the n-th blog a node creates: n1-blog-00 … */
const blogSlug = (node: NodeId, i: number) => `${node}-blog-${String(i).padStart(2, '0')}`;

/** A published post, through the dashboard API (via HAProxy, by the slug in the path). */
export function publishPost(fixture: Fixture, blog: string, slug: string, port?: number): Promise<Answer> {
  return fixture.account.session.call(
    'POST',
    `/api/blogs/${blog}/posts`,
    { title: `Post ${slug}`, slug, markdown: `Post ${slug} of ${blog}.`, action: 'publish' },
    port,
  );
}

/** Waits until a blog answers 200 through HAProxy from `node` (its routes and its registry caught up). */
export async function waitUntilServedBy(fixture: Fixture, slug: string, node: string, timeoutMs = 20_000): Promise<void> {
  let last: Answer | undefined;
  await waitUntil(
    () => `${slug} is served by ${node} through HAProxy (last: ${describe(last)})`,
    timeoutMs,
    async () => {
      last = await send(proxy(fixture), blogHost(slug), '/');
      return last.status === 200 && last.node === node;
    },
  );
}

// ── 1 ────────────────────────────────────────────────────────────────────────────────────────
/**
 * 100 blogs over three nodes (34/33/33, each created by the CLI's code under a node's
 * environment, so placed there), 1,000 reads through HAProxy each answered by the blog's owner;
 * then an account signs up and signs in through HAProxy and opens its blogs' dashboards on every
 * node.
 */
export async function checkRouting(fixture: Fixture): Promise<Measured> {
  const { cluster } = fixture;
  for (const node of NODE_IDS) fixture.blogsOf[node] = Array.from({ length: BLOGS_PER_NODE[node] }, (_, i) => blogSlug(node, i));
  await Promise.all(NODE_IDS.map((node) => cluster.writeOn(node, ['create', ...fixture.blogsOf[node]])));
  const all = NODE_IDS.flatMap((node) => fixture.blogsOf[node]);

  const placement = await cluster.placement();
  for (const node of NODE_IDS) {
    const placedHere = fixture.blogsOf[node].filter((slug) => placement.get(slug)?.node === node).length;
    expect(placedHere === BLOGS_PER_NODE[node], `${node} created ${BLOGS_PER_NODE[node]} blogs; ${placedHere} are placed on it.`);
  }
  const status = JSON.parse(await cluster.quire(['cluster', 'status', '--json'])) as {
    nodes: { id: string; blogs: number }[];
    routeDifferences: number;
  };
  const counts = status.nodes.map((node) => `${node.id}:${node.blogs}`).join(' ');
  expect(status.routeDifferences === 0, `quire cluster status: HAProxy differs from the placement on ${status.routeDifferences} route(s).`);

  // The nodes hold a blog created by another process once NOTIFY reached them: the first read of each.
  await inParallel(
    10,
    all.map((slug) => () => waitUntilServedBy(fixture, slug, placement.get(slug)!.node)),
  );

  const reads = await inParallel(
    20,
    Array.from({ length: ROUTING_REQUESTS }, (_, i) => async () => {
      const slug = all[i % all.length]!;
      const answer = await send(proxy(fixture), blogHost(slug), i % 2 === 0 ? '/' : '/posts/hello');
      return { slug, answer };
    }),
  );
  const failed = reads.filter(({ answer }) => answer.status !== 200);
  const misrouted = reads.filter(({ slug, answer }) => answer.node !== placement.get(slug)!.node);
  expect(failed.length === 0, `${failed.length} of ${ROUTING_REQUESTS} reads failed, e.g. ${describe(failed[0]?.answer)}.`);
  expect(
    misrouted.length === 0,
    `${misrouted.length} of ${ROUTING_REQUESTS} reads were answered by another node than the owner, e.g. ${misrouted[0]?.slug} by ${misrouted[0]?.answer.node}.`,
  );

  const dashboards = await checkAccountOnEveryNode(fixture);
  return {
    blogs: `${all.length} (${counts})`,
    'reads on owner': `${ROUTING_REQUESTS - misrouted.length}/${ROUTING_REQUESTS}`,
    dashboards,
  };
}

/**
 * Sign-up and sign-in through HAProxy (the platform's host goes to any node: the session lives
 * in the control plane), a blog of the account on each node, and each one's dashboard through
 * HAProxy, answered by the node that owns it.
 */
async function checkAccountOnEveryNode(fixture: Fixture): Promise<string> {
  const { cluster, account } = fixture;
  const signUp = await new Session(proxy(fixture)).call('POST', '/api/auth/signup', {
    email: account.email,
    password: account.password,
    blog: { slug: 'first-of-owner', title: 'First' },
  });
  expect(signUp.status === 200, `Sign-up through HAProxy: ${describe(signUp)}.`);
  const signIn = await account.session.call('POST', '/api/auth/login', { email: account.email, password: account.password });
  expect(signIn.status === 200 && account.session.signedIn, `Sign-in through HAProxy: ${describe(signIn)}.`);

  // A blog is placed on the node that creates it: each is created by asking that node itself.
  for (const node of NODE_IDS) {
    const slug = `owned-on-${node}`;
    const created = await account.session.call('POST', '/api/blogs', { slug, title: `Owned on ${node}` }, cluster.nodes[node].port);
    expect(created.status === 200, `Creating ${slug} on ${node}: ${describe(created)}.`);
    fixture.accountBlogOn[node] = slug;
  }
  const opened: string[] = [];
  for (const node of NODE_IDS) {
    const slug = fixture.accountBlogOn[node];
    await waitUntilServedBy(fixture, slug, node);
    const dashboard = await account.session.call('GET', `/dashboard/${slug}`);
    expect(dashboard.status === 200, `The dashboard of ${slug} (on ${node}) through HAProxy: ${describe(dashboard)}.`);
    expect(dashboard.node === node, `The dashboard of ${slug} was answered by ${dashboard.node}, not its owner ${node}.`);
    const post = await publishPost(fixture, slug, 'hello');
    expect(post.status === 200, `A post to ${slug} through the dashboard API: ${describe(post)}.`);
    opened.push(`${slug}@${dashboard.node}`);
  }
  return `200 from owner: ${opened.join(', ')}`;
}

// ── capacity, after 1 ────────────────────────────────────────────────────────────────────────
/**
 * What each node holds once check 1's blogs are in place (docs/scale-out.md, "Measured here"):
 * its blogs, the resident memory and open files of its server, and of the Litestream its backup
 * run started (one file handle per blog file, WAL and shadow WAL: it grows with the blogs).
 */
export async function measureCapacity(fixture: Fixture): Promise<Measured> {
  const { cluster } = fixture;
  const placement = await cluster.placement();
  const measured: Measured = {};
  for (const id of NODE_IDS) {
    const { server, backup } = cluster.nodes[id];
    const blogs = [...placement.values()].filter((placed) => placed.node === id).length;
    const litestream = await steadyLitestream(id, backup!, blogs);
    const node = resourceUse(server!.child.pid!);
    const replicating = resourceUse(litestream);
    const supervising = resourceUse(backup!.child.pid!);
    measured[id] =
      `${blogs} blogs; node ${node.rssMb} MB RSS, ${node.fds} fds; ` +
      `Litestream ${replicating.rssMb} MB RSS, ${replicating.fds} fds; backup run ${supervising.rssMb} MB RSS, ${supervising.fds} fds`;
  }
  return measured;
}

/**
 * The Litestream replicating all of a node's `blogs`, once it has opened them: blogs placed on
 * the node a moment ago (the last of check 1, a failover's) restart it (at most once per 2 s),
 * and it opens each file at its first look (a second after it starts): its open files, the same
 * twice a second apart.
 */
export async function steadyLitestream(id: NodeId, backup: Managed, blogs: number): Promise<number> {
  let pid: number | undefined;
  let fds = -1;
  await waitUntil(
    () => `${id}'s Litestream replicates its ${blogs} blogs, its open files steady (pid ${pid}, ${fds} fds)`,
    30_000,
    () => {
      const started = [...backup.output().matchAll(/Litestream \(pid (\d+)\) replicates (\d+) blogs?/g)].at(-1);
      const running = childrenNamed(backup.child.pid!, 'litestream')[0];
      if (!started || Number(started[2]) !== blogs || Number(started[1]) !== running) return false;
      const previous = pid === running ? fds : -1;
      pid = running;
      fds = resourceUse(running).fds;
      return fds === previous && fds > blogs;
    },
    1000,
  );
  return pid!;
}

// ── 2 ────────────────────────────────────────────────────────────────────────────────────────
const READS_PER_SECOND = 50;
const WRITES_PER_SECOND = 5;

/**
 * `quire cluster move` of a blog under steady reads and writes through HAProxy: no read fails;
 * writes are refused (503) only while the move runs, and succeed after; then the new node serves.
 */
export async function checkMoveUnderLoad(fixture: Fixture): Promise<Measured> {
  const slug = fixture.accountBlogOn.n1;
  const from: NodeId = 'n1';
  const to: NodeId = 'n2';
  expect(slug !== '', 'Check 1 did not get as far as creating the account blog this one moves.');
  const reader = steadyLoad(READS_PER_SECOND, (i) => send(proxy(fixture), blogHost(slug), i % 2 === 0 ? '/' : '/posts/hello'));
  const writer = steadyLoad(WRITES_PER_SECOND, (i) =>
    fixture.account.session.call('POST', `/api/blogs/${slug}/posts`, {
      title: `During the move ${i}`,
      markdown: 'Written while it moves.',
    }),
  );
  await sleep(2000);
  const moveStart = Date.now();
  const moved = await fixture.cluster.quire(['cluster', 'move', slug, to]);
  const moveEnd = Date.now();
  await sleep(3000);
  const [reads, writes] = await Promise.all([reader.stop(), writer.stop()]);

  const failedReads = reads.filter((read) => !isSuccess(read.answer));
  expect(
    failedReads.length === 0,
    `${failedReads.length} of ${reads.length} reads failed during the move, e.g. ${describe(failedReads[0]?.answer)}.`,
  );
  const duringMove = (write: Timed) => write.answeredAt >= moveStart && write.sentAt <= moveEnd + NOTIFY_GRACE_MS;
  const refused = writes.filter((write) => write.answer.status === 503);
  const refusedOutside = refused.filter((write) => !duringMove(write));
  const otherFailures = writes.filter((write) => write.answer.status !== 200 && write.answer.status !== 503);
  const after = writes.filter((write) => write.sentAt > moveEnd + NOTIFY_GRACE_MS);
  expect(
    otherFailures.length === 0,
    `${otherFailures.length} writes failed otherwise than 503, e.g. ${describe(otherFailures[0]?.answer)}.`,
  );
  expect(
    refusedOutside.length === 0,
    `${refusedOutside.length} writes were refused outside the move (${moveStart}–${moveEnd}), e.g. one sent at ${refusedOutside[0]?.sentAt}.`,
  );
  expect(
    after.length > 0 && after.every((write) => write.answer.status === 200),
    `Writes after the move: ${after.map((w) => w.answer.status).join(' ')}.`,
  );
  expect(
    after.every((write) => write.answer.node === to),
    `Writes after the move were answered by ${[...new Set(after.map((w) => w.answer.node))].join(', ')}, not ${to}.`,
  );
  const lastRead = await send(proxy(fixture), blogHost(slug), '/');
  expect(
    lastRead.status === 200 && lastRead.node === to,
    `After the move, ${slug} is answered by ${lastRead.node} (${lastRead.status}), not ${to}.`,
  );
  const placed = (await fixture.cluster.placement()).get(slug);
  expect(placed?.node === to && placed.epoch === 2, `After the move the placement says ${placed?.node} epoch ${placed?.epoch}.`);
  // Nothing acknowledged is lost: every post a write was told was saved opens in the editor on the new node.
  const saved = writes
    .filter((write) => write.answer.status === 200)
    .map((write) => (JSON.parse(write.answer.body) as { post: { id: number } }).post.id);
  const missing: number[] = [];
  for (const id of saved) {
    const editor = await fixture.account.session.call('GET', `/dashboard/${slug}/posts/${id}`);
    if (editor.status !== 200 || editor.node !== to) missing.push(id);
  }
  expect(
    missing.length === 0,
    `${missing.length} of ${saved.length} acknowledged writes are not on ${to} after the move (posts ${missing.join(', ')}).`,
  );

  const paused = /writes waited (\d+) ms/.exec(moved)?.[1];
  return {
    move: `${slug} ${from}→${to} in ${moveEnd - moveStart} ms (CLI), writes paused ${paused ?? '?'} ms`,
    reads: `${reads.length} at ${READS_PER_SECOND}/s, ${failedReads.length} failed (${countBy(reads, (read) => read.answer.node)})`,
    writes: `${writes.length}: ${writes.length - refused.length} ok, ${refused.length} refused (503) during the move, ${after.length} ok after; all ${saved.length} acknowledged found on ${to}`,
  };
}

/** An answer in a failure's message (messages are built before the check knows it failed: maybe none). */
export function describe(answer: Answer | undefined): string {
  if (!answer) return 'none';
  return answer.status === 0
    ? `no answer (${answer.error})`
    : `${answer.status} from ${answer.node ?? 'no node'}: ${answer.body.slice(0, 160)}`;
}

export function countBy<T>(items: T[], key: (item: T) => string | undefined): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item) ?? '?', (counts.get(key(item) ?? '?') ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name}:${n}`).join(' ');
}

// ── 6 ────────────────────────────────────────────────────────────────────────────────────────
/**
 * `quire cluster drain` of a node under steady reads of one of its blogs: every blog it held is
 * moved to the others, one at a time; no read fails; the node holds nothing and takes no moves.
 */
export async function checkDrain(fixture: Fixture): Promise<Measured> {
  const drained: NodeId = 'n2';
  const before = [...(await fixture.cluster.placement()).values()].filter((placed) => placed.node === drained);
  expect(before.length > 0, `${drained} holds no blog to drain.`);
  const watched = before[0]!.slug;
  const reader = steadyLoad(READS_PER_SECOND / 5, () => send(proxy(fixture), blogHost(watched), '/'));
  const started = Date.now();
  const output = await fixture.cluster.quire(['cluster', 'drain', drained]);
  const seconds = (Date.now() - started) / 1000;
  await sleep(1000);
  const reads = await reader.stop();
  const failedReads = reads.filter((read) => !isSuccess(read.answer));
  expect(
    failedReads.length === 0,
    `${failedReads.length} of ${reads.length} reads failed during the drain, e.g. ${describe(failedReads[0]?.answer)}.`,
  );
  const after = await fixture.cluster.placement();
  const left = [...after.values()].filter((placed) => placed.node === drained);
  expect(left.length === 0, `${left.length} blogs are still on ${drained} after the drain: ${left.map((p) => p.slug).join(', ')}.`);
  const moved = before.map((placed) => after.get(placed.slug)!);
  expect(
    moved.every((placed) => placed.node !== drained && placed.epoch > 1 && placed.state === 'active'),
    `After the drain: ${moved.map((p) => `${p.slug}@${p.node}#${p.epoch}`).join(' ')}.`,
  );
  const served = await send(proxy(fixture), blogHost(watched), '/');
  expect(
    served.status === 200 && served.node === after.get(watched)!.node,
    `${watched} is answered by ${served.node} (${served.status}) after the drain.`,
  );
  // `quire doctor` on a node checks the blogs placed there: the ones it received, all found and sound.
  const receiver = after.get(watched)!.node as NodeId;
  const doctor = JSON.parse(await fixture.cluster.quire(['doctor', '--json'], receiver)) as { checked: number; findings: unknown[] };
  const placedOnReceiver = [...after.values()].filter((placed) => placed.node === receiver).length;
  expect(
    doctor.findings.length === 0 && doctor.checked === placedOnReceiver,
    `quire doctor on ${receiver}: checked ${doctor.checked} of its ${placedOnReceiver} blogs, findings ${JSON.stringify(doctor.findings).slice(0, 300)}.`,
  );
  const refused = await fixture.cluster.runQuire(['cluster', 'move', watched, drained]);
  expect(
    refused.code === 1 && /not taking blogs \(draining/.test(refused.stderr),
    `A move onto the drained node was not refused: ${refused.stderr}`,
  );
  return {
    drain: `${before.length} blogs off ${drained} in ${seconds.toFixed(1)} s (${countBy(moved, (placed) => placed.node)}); ${/Moved \d+ blog/.exec(output)?.[0] ?? ''}`,
    reads: `${reads.length} of ${watched} during it, ${failedReads.length} failed (${countBy(reads, (read) => read.answer.node)})`,
    doctor: `on ${receiver}: ${doctor.checked} blogs (those placed there) checked, no finding`,
  };
}
