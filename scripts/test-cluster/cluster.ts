import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@/lib/testing/postgres';
import { freePort } from '@/lib/testing/ports';
import { ROOT_DOMAIN } from './http';
import { ROOT, runToEnd, startProcess, tail, waitUntil, type Managed } from './processes';

/**
 * A whole cluster on loopback, in one temporary folder: PostgreSQL (the control plane), HAProxy
 * with deploy/haproxy.cfg, and three nodes, each a `node dist/server.mjs` with its own data
 * directory and port, and its own `quire backup run` (Litestream) replicating to one shared
 * file:// replica, as docs/scale-out.md sets one up.
 */
export const NODE_IDS = ['n1', 'n2', 'n3'] as const;
export type NodeId = (typeof NODE_IDS)[number];

const SECRET = 'cluster-test-secret-of-more-than-24-chars';
const START_TIMEOUT_MS = 60_000;
const CLI_TIMEOUT_MS = 120_000;

export type Node = {
  id: NodeId;
  port: number;
  dataDir: string;
  server: Managed | undefined;
  backup: Managed | undefined;
  /** Writers running on it (node-writer.ts, as the CLI would run there): a kill -9 of the node kills them too. */
  writers: Managed[];
};

export type Placed = { blogId: number; slug: string; node: string; epoch: number; state: string };

export class TestCluster {
  readonly nodes: Record<NodeId, Node>;
  private haproxy: Managed | undefined;

  private constructor(
    readonly dir: string,
    readonly postgres: TestPostgres,
    readonly controlUrl: string,
    readonly proxyPort: number,
    readonly runtimePort: number,
    ports: number[],
  ) {
    this.nodes = Object.fromEntries(
      NODE_IDS.map((id, i) => [
        id,
        { id, port: ports[i]!, dataDir: path.join(dir, id), server: undefined, backup: undefined, writers: [] as Managed[] },
      ]),
    ) as Record<NodeId, Node>;
  }

  /** PostgreSQL, HAProxy, the three nodes and their backup runs, each waited for. */
  static async start(): Promise<TestCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-cluster-'));
    const postgres = await startTestPostgres();
    try {
      const controlUrl = await createTestDatabase(postgres.url, 'quire_control');
      const ports = await distinctFreePorts(5);
      const cluster = new TestCluster(dir, postgres, controlUrl, ports[0]!, ports[1]!, ports.slice(2));
      await cluster.startHaproxy();
      // One at a time: the first to start creates the control plane's tables.
      for (const id of NODE_IDS) await cluster.startNode(id);
      for (const id of NODE_IDS) cluster.startBackup(id);
      return cluster;
    } catch (error) {
      await postgres.destroy();
      throw error;
    }
  }

  get mapFile(): string {
    return path.join(this.dir, 'haproxy', 'blogs.map');
  }

  get replicaDir(): string {
    return path.join(this.dir, 'replicas');
  }

  /**
   * The environment of a node's processes (its server, its backup run, the CLI on it); without
   * a node, the operator's (`quire cluster …` run from anywhere that reaches everything).
   */
  env(id?: NodeId): NodeJS.ProcessEnv {
    const node = id && this.nodes[id];
    return {
      ...process.env,
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      QUIRE_DATA_DIR: node ? node.dataDir : path.join(this.dir, 'operator'),
      QUIRE_CONTROL_DATABASE_URL: this.controlUrl,
      QUIRE_CLUSTER_SECRET: SECRET,
      QUIRE_CLUSTER_REPLICA: `file://${this.replicaDir}`,
      QUIRE_HAPROXY_RUNTIME: `127.0.0.1:${this.runtimePort}`,
      QUIRE_HAPROXY_MAP: this.mapFile,
      QUIRE_ROOT_DOMAIN: ROOT_DOMAIN,
      // The test speaks plain HTTP to HAProxy; the API's Origin check expects http://quire.test.
      QUIRE_HTTPS: 'off',
      // HAProxy (on loopback) says who the reader is.
      QUIRE_TRUSTED_PROXIES: '127.0.0.1',
      QUIRE_SIGNUP: 'open',
      // Every sign-up comes from loopback; and the test's account owns a blog on each node.
      QUIRE_SIGNUPS_PER_HOUR: '1000',
      QUIRE_MAX_BLOGS_PER_USER: '20',
      ...(node
        ? { PORT: String(node.port), QUIRE_NODE_ID: node.id, QUIRE_NODE_ADDRESS: `127.0.0.1:${node.port}` }
        : { QUIRE_NODE_ID: undefined, QUIRE_NODE_ADDRESS: undefined, PORT: undefined }),
    };
  }

  private async startHaproxy(): Promise<void> {
    // HAProxy loads the map when it starts: it must exist, empty at first (the nodes fill it).
    fs.mkdirSync(path.dirname(this.mapFile), { recursive: true });
    fs.writeFileSync(this.mapFile, '');
    const env = {
      ...process.env,
      QUIRE_HAPROXY_BIND: `127.0.0.1:${this.proxyPort}`,
      QUIRE_HAPROXY_RUNTIME: `127.0.0.1:${this.runtimePort}`,
      QUIRE_HAPROXY_MAP: this.mapFile,
      ...Object.fromEntries(NODE_IDS.map((id) => [`QUIRE_NODE_${id.toUpperCase()}`, `127.0.0.1:${this.nodes[id].port}`])),
    };
    // -db: in the foreground, not daemonised (its process is the one we stop).
    this.haproxy = startProcess('haproxy', '/usr/sbin/haproxy', ['-db', '-f', path.join(ROOT, 'deploy', 'haproxy.cfg')], env);
    await waitUntil('HAProxy listens', 10_000, async () => {
      if (this.haproxy!.child.exitCode !== null) throw new Error(`HAProxy exited:\n${tail(this.haproxy!.output())}`);
      return (await accepts(this.proxyPort)) && (await accepts(this.runtimePort));
    });
  }

  /** Starts (or starts again, on the same port and files) a node's server; waits until it serves. */
  async startNode(id: NodeId): Promise<void> {
    const node = this.nodes[id];
    fs.mkdirSync(node.dataDir, { recursive: true });
    node.server = startProcess(`node ${id}`, process.execPath, ['dist/server.mjs'], this.env(id));
    await node.server.waitFor('production server on port', START_TIMEOUT_MS);
  }

  /** A node's `quire backup run` (its Litestream replicates the blogs placed on it). */
  startBackup(id: NodeId): void {
    const node = this.nodes[id];
    node.backup = startProcess(
      `backup run ${id}`,
      process.execPath,
      ['bin/quire.mjs', 'backup', 'run', '--sync-interval', '1s'],
      this.env(id),
    );
  }

  /**
   * kill -9 of everything a node runs, as when its machine dies: its server, its backup run's
   * whole group (Litestream with it), its writers.
   */
  async killNode(id: NodeId): Promise<void> {
    const node = this.nodes[id];
    await Promise.all([node.server, node.backup, ...node.writers].map((managed) => managed?.stop('SIGKILL')));
    node.writers = [];
  }

  /** `quire <args>`, run to its end with a node's environment (or the operator's); throws unless it succeeds. */
  async quire(args: string[], id?: NodeId): Promise<string> {
    const result = await this.runQuire(args, id);
    if (result.code !== 0) throw new Error(`quire ${args.join(' ')} failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`);
    return result.stdout;
  }

  /** `quire <args>` run to its end (bounded), whatever its exit code: for a command whose failure says something. */
  runQuire(args: string[], id?: NodeId): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return runToEnd(`quire ${args.join(' ')}`, process.execPath, ['bin/quire.mjs', ...args], this.env(id), CLI_TIMEOUT_MS);
  }

  /** node-writer.ts started on a node and left running (a steady writer): killed with the node. */
  startWriterOn(id: NodeId, args: string[]): Managed {
    const script = path.join('scripts', 'test-cluster', 'node-writer.ts');
    const writer = startProcess(`node-writer ${args[0]} on ${id}`, process.execPath, ['--import', 'tsx', script, ...args], this.env(id));
    this.nodes[id].writers.push(writer);
    return writer;
  }

  /** scripts/test-cluster/node-writer.ts with a node's environment: its stdout lines. */
  async writeOn(id: NodeId, args: string[]): Promise<string[]> {
    const script = path.join('scripts', 'test-cluster', 'node-writer.ts');
    const result = await runToEnd(
      `node-writer on ${id}`,
      process.execPath,
      ['--import', 'tsx', script, ...args],
      this.env(id),
      CLI_TIMEOUT_MS,
    );
    if (result.code !== 0)
      throw new Error(`node-writer ${args[0]} on ${id} failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`);
    return result.stdout.split('\n').filter(Boolean);
  }

  /** Every blog's placement, read from the control plane itself. */
  async placement(): Promise<Map<string, Placed>> {
    const rows = await this.controlQuery<{ blog_id: string; slug: string; node_id: string; epoch: number; state: string }>(
      'select b.id as blog_id, b.slug, p.node_id, p.epoch, p.state from placement p join blogs b on b.id = p.blog_id',
    );
    return new Map(
      rows.map((row) => [row.slug, { blogId: Number(row.blog_id), slug: row.slug, node: row.node_id, epoch: row.epoch, state: row.state }]),
    );
  }

  /** How long ago a node's last heartbeat was recorded in the control plane (ms). */
  async heartbeatAgeMs(id: NodeId): Promise<number> {
    const [row] = await this.controlQuery<{ heartbeat_at: string }>('select heartbeat_at from nodes where id = $1', [id]);
    if (!row) throw new Error(`node ${id} is not in the control plane`);
    return Date.now() - Number(row.heartbeat_at);
  }

  /** One query on the control plane, on a connection of its own (the test's, not a node's). */
  private async controlQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.controlUrl, connectionTimeoutMillis: 5000, query_timeout: 10_000 });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** Everything stopped (SIGTERM, then SIGKILL), PostgreSQL's files and the folder removed unless `keep`. */
  async stop(keep: boolean): Promise<void> {
    const nodes = Object.values(this.nodes);
    await Promise.all(
      nodes.flatMap((node) => [node.backup, node.server, ...node.writers].map((managed) => managed?.stop('SIGTERM', 10_000))),
    );
    await this.haproxy?.stop('SIGTERM', 5000);
    if (keep) await this.postgres.stop();
    else {
      await this.postgres.destroy();
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** The last lines every process printed, to tell why a check failed. */
  logs(lines = 15): string {
    return Object.values(this.nodes)
      .flatMap((node) => [node.server, node.backup])
      .concat(this.haproxy)
      .filter((managed): managed is Managed => managed !== undefined)
      .map((managed) => `── ${managed.name} ──\n${tail(managed.output(), lines)}`)
      .join('\n');
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
