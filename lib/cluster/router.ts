import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { ClusterConfig } from '@/lib/config';
import type { ControlOrm } from '@/lib/db/control';
import { placement } from '@/lib/db/schema/cluster';
import { blogDomains, blogs } from '@/lib/db/schema/control';

/**
 * Routing by HAProxy (docs/scale-out.md, "Routing"): one map file sends each key to the backend
 * of the node that owns the blog, `node_<id>` in deploy/haproxy.cfg. A blog has three kinds of
 * key: its host (`<slug>.<root>`), its custom domains, and its slug, which HAProxy takes from the
 * platform's `/dashboard/<slug>/…` and `/api/blogs/<slug>/…` paths. Whatever is not in the map
 * (the platform's other pages, old addresses of renamed blogs) goes to any node.
 *
 * The whole map is written each time, from the control plane: to the file (what HAProxy reads
 * when it starts) and over the runtime API as one new version committed at once, so HAProxy never
 * routes by half a change.
 */
export type Route = { key: string; backend: string };

const backendOf = (nodeId: string) => `node_${nodeId}`;

/** Every route, read from the placement table and the verified custom domains. */
export async function readRoutes(db: ControlOrm, rootHostname: string): Promise<Route[]> {
  const placed = await db
    .select({
      id: blogs.id,
      slug: blogs.slug,
      nodeId: placement.nodeId,
      targetNodeId: placement.targetNodeId,
      targetReady: placement.targetReady,
    })
    .from(placement)
    .innerJoin(blogs, eq(blogs.id, placement.blogId))
    .all();
  const domains = await db
    .select({ domain: blogDomains.domain, blogId: blogDomains.blogId, verifiedAt: blogDomains.verifiedAt })
    .from(blogDomains)
    .all();
  // A blog on its way to another node is read there as soon as that node has its file in place.
  const servedBy = (blog: (typeof placed)[number]) => backendOf(blog.targetReady && blog.targetNodeId ? blog.targetNodeId : blog.nodeId);
  const backendById = new Map(placed.map((blog) => [blog.id, servedBy(blog)]));
  const routes: Route[] = [];
  for (const blog of placed) {
    const backend = servedBy(blog);
    routes.push({ key: `${blog.slug}.${rootHostname}`, backend }, { key: blog.slug, backend });
  }
  for (const { domain, blogId, verifiedAt } of domains) {
    const backend = backendById.get(blogId);
    if (backend && verifiedAt) routes.push({ key: domain, backend });
  }
  return routes.sort((a, b) => a.key.localeCompare(b.key));
}

/** Lines of a map payload per runtime-API command: one command must fit HAProxy's 16 KB buffer. */
const ROUTES_PER_COMMAND = 40;

/** Writes the map file, then swaps HAProxy's map for one with exactly `routes`. */
export async function publishRoutes(haproxy: NonNullable<ClusterConfig['haproxy']>, routes: Route[]): Promise<void> {
  const text = routes.map((route) => `${route.key} ${route.backend}\n`).join('');
  const temporary = path.join(path.dirname(haproxy.map), `.${path.basename(haproxy.map)}.${process.pid}`);
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, haproxy.map);

  const prepared = await runtimeCommand(haproxy.runtime, `prepare map ${haproxy.map}`);
  const version = /New version created: (\d+)/.exec(prepared)?.[1];
  if (!version) throw new Error(`HAProxy did not prepare a new version of ${haproxy.map}: ${prepared.trim()}`);
  for (let i = 0; i < routes.length; i += ROUTES_PER_COMMAND) {
    // No newline after the last line: the payload ends at the one empty line that follows it
    // (runtimeCommand adds the last newline). A second empty line would be read as another
    // command, answered "Unknown command", and the new version would never be committed.
    const lines = routes
      .slice(i, i + ROUTES_PER_COMMAND)
      .map((route) => `${route.key} ${route.backend}`)
      .join('\n');
    expectQuiet(await runtimeCommand(haproxy.runtime, `add map @${version} ${haproxy.map} <<\n${lines}\n`), 'add map');
  }
  expectQuiet(await runtimeCommand(haproxy.runtime, `commit map @${version} ${haproxy.map}`), 'commit map');
}

/** The routes HAProxy uses now, from its runtime API. */
export async function showRoutes(haproxy: NonNullable<ClusterConfig['haproxy']>): Promise<Route[]> {
  const shown = await runtimeCommand(haproxy.runtime, `show map ${haproxy.map}`);
  return shown
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 3)
    .map(([, key, backend]) => ({ key: key!, backend: backend! }));
}

function expectQuiet(answer: string, command: string): void {
  if (answer.trim()) throw new Error(`HAProxy refused "${command}": ${answer.trim()}`);
}

const RUNTIME_TIMEOUT_MS = 5000;

/** One command on HAProxy's runtime API (a TCP socket: one command per connection), its answer. */
function runtimeCommand(address: string, command: string): Promise<string> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect(port, host, () => socket.end(`${command}\n`));
    socket.setTimeout(RUNTIME_TIMEOUT_MS, () => socket.destroy(new Error(`HAProxy's runtime API at ${address} did not answer`)));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}
