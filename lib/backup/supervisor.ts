import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { config } from '@/lib/config';
import {
  dropReleaseRequest,
  isLive,
  readReleaseRequests,
  readSupervisorState,
  RELEASE_REQUEST_MAX_AGE_MS,
  removeSupervisorState,
  writeSupervisorState,
} from '@/lib/db/backup-handoff';
import type { Sqlite } from '@/lib/db/connection';
import { controlDb } from '@/lib/db/control';
import { tenantDbPath, tenantsDir } from '@/lib/db/paths';
import { placement } from '@/lib/db/schema/cluster';
import { blogs } from '@/lib/db/schema/control';
import { InputError } from '@/lib/input';
import { registeredBlogs, registryLoaded } from '@/lib/registry/registry';
import {
  clusterDatabasesToReplicate,
  databasesToReplicate,
  litestreamConfigV03,
  litestreamMetaDir,
  openControlReadOnly,
  readBlogs,
  type PlacedBlog,
  type ReplicaSettings,
  type ReplicatedDb,
} from './litestream';

/**
 * `quire backup run`: Litestream 0.3 beside Quire, kept in step with the blogs
 * (docs/architecture.md, "Backups"). Litestream 0.3 reads its list of databases once, at
 * start; so this process writes that list (control.db and every blog file in place), runs
 * `litestream replicate` as its child, and when the list changes — a blog created, renamed,
 * deleted, restored, or a file Quire is about to move (lib/db/backup-handoff.ts) — stops it
 * (SIGTERM: Litestream syncs what it has, then exits), writes the new list and starts it again.
 *
 * On a node of a cluster (QUIRE_NODE_ID; docs/scale-out.md) the list is the blogs the control
 * plane places on this node (active, or moving away and still written here), each under its
 * epoch (lib/backup/litestream.ts), read from the in-memory registry, which PostgreSQL keeps
 * current; not control.db, nor any blog placed elsewhere. A blog placed here, moved away, or
 * placed here under a new epoch changes the list, and Litestream is restarted as above; with no
 * blog placed here none runs. The replica is QUIRE_CLUSTER_REPLICA, where failover restores from.
 */

/** How often control.db (or the registry) and the release requests are looked at. */
const TICK_MS = 250;
const HEARTBEAT_MS = 1000;
/**
 * After announcing itself, before Litestream first opens a file: longer than any Quire process
 * that read "no supervisor" just before takes to finish the move it then started (synchronous).
 */
const ANNOUNCE_MS = 1000;
/** Blogs created in a burst are added together: at most one restart this often, but for a hand-off. */
const MIN_RESTART_GAP_MS = 2000;
/**
 * Litestream 0.3 sends nothing if stopped before its first look at the files (a second after it
 * starts), not even on SIGTERM; after that, it sends everything as it stops. So it is never
 * stopped sooner than this after a start: a file let go of for a move has all its writes sent.
 */
const MIN_RUN_MS = 2000;
const STOP_TIMEOUT_MS = 60_000;
/** Litestream that stops this soon after the first start is misconfigured: the supervisor gives up. */
const STARTUP_FAILURE_MS = 5000;
const MAX_BACKOFF_MS = 30_000;

export type SupervisorOptions = {
  bin: string;
  replica: string;
  settings: ReplicaSettings;
  /** Where the Litestream config is written. */
  configFile: string;
  log: (message: string) => void;
};

/** Runs until SIGTERM or SIGINT (forwarded to Litestream); resolves the exit code. */
export async function superviseLitestream(options: SupervisorOptions): Promise<number> {
  return new Supervisor(options).run();
}

class Supervisor {
  private child: ChildProcess | undefined;
  private childExited: Promise<void> = Promise.resolve();
  /** What the running Litestream replicates (empty while none runs). */
  private running: ReplicatedDb[] = [];
  private released: string[] = [];
  private control: Sqlite | undefined;
  private seen = '';
  private desired: ReplicatedDb[] = [];
  private lastStart = 0;
  private firstStart = 0;
  private retryAt = 0;
  private backoffMs = 1000;
  private stopping = false;
  /** The child this process itself is stopping: its exit is no failure. */
  private stoppingChild: ChildProcess | undefined;
  private exitCode = 0;
  private wake: (() => void) | undefined;
  private waitingForControl = false;
  /** In a cluster: this node, and whether the registry has been read yet. */
  private readonly node = config().cluster?.node;
  private registry: 'unread' | 'loading' | 'loaded' = 'unread';
  /** In a cluster: blogs placed here whose file is not in place yet (a move or restore arriving). */
  private awaitingFiles: string[] = [];
  private idle = false;

  constructor(private readonly options: SupervisorOptions) {}

  async run(): Promise<number> {
    this.checkClusterReplica();
    await this.takeOver();
    this.publish();
    const heartbeat = setInterval(() => this.publish(), HEARTBEAT_MS);
    const onSignal = (signal: NodeJS.Signals) => {
      this.options.log(`${signal}: stopping Litestream`);
      this.stop();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      await this.sleep(ANNOUNCE_MS);
      let lastProblem = '';
      while (!this.stopping) {
        try {
          await this.tick();
          lastProblem = '';
        } catch (error) {
          // control.db being created or migrated, a file read mid-write: tried again next tick.
          const problem = (error as Error).message;
          if (problem !== lastProblem) this.options.log(`could not read the blogs (trying again): ${problem}`);
          lastProblem = problem;
        }
        await this.sleep(TICK_MS);
      }
      await this.stopChild();
    } finally {
      clearInterval(heartbeat);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      this.control?.close();
      removeSupervisorState();
    }
    this.options.log('stopped');
    return this.exitCode;
  }

  /** One supervisor per data directory; a Litestream left running by one that was killed is stopped. */
  private async takeOver(): Promise<void> {
    const previous = readSupervisorState();
    if (!previous) return;
    const sameHost = previous.host === os.hostname();
    if (isLive(previous) && (!sameHost || processIsAlive(previous.pid)) && previous.pid !== process.pid) {
      throw new InputError(
        `Another quire backup run (pid ${previous.pid} on ${previous.host}) is running for ${config().dataDir}; stop it first.`,
      );
    }
    const leftover = previous.litestreamPid;
    if (sameHost && leftover && isLitestream(leftover)) {
      this.options.log(`stopping Litestream (pid ${leftover}) left running by an earlier quire backup run`);
      process.kill(leftover, 'SIGTERM');
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (processIsAlive(leftover) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (processIsAlive(leftover)) process.kill(leftover, 'SIGKILL');
    }
  }

  /** In a cluster every node replicates to QUIRE_CLUSTER_REPLICA: failover restores from there. */
  private checkClusterReplica(): void {
    if (!this.node) return;
    const replica = config().cluster?.replica;
    if (!replica) {
      throw new InputError(
        `quire backup run on node ${this.node.id} replicates to QUIRE_CLUSTER_REPLICA, where failover restores from: set it.`,
      );
    }
    if (this.options.replica !== replica) {
      throw new InputError(
        `On node ${this.node.id}, quire backup run replicates to QUIRE_CLUSTER_REPLICA (${replica}), where failover restores from; --replica ${this.options.replica} is another place.`,
      );
    }
  }

  private async tick(): Promise<void> {
    const now = Date.now();
    const requests = readReleaseRequests().filter((request) => {
      if (now - request.at <= RELEASE_REQUEST_MAX_AGE_MS) return true;
      this.options.log(`dropping a request to let go of ${request.path} left ${Math.round((now - request.at) / 1000)} s ago`);
      dropReleaseRequest(request.token);
      return false;
    });
    // Requests are read before control.db and the files: a request already withdrawn means its
    // move is done, so what is read next is the state after it.
    const excluded = new Set(requests.map((request) => request.path));
    if (!(this.node ? await this.readPlacement(this.node.id, excluded) : this.readControl(excluded))) return;
    const handOff = this.running.some((db) => excluded.has(db.relative));
    // An empty list (a node with no blog placed on it) runs no Litestream: 0.3 refuses one.
    const changed = this.desired.length === 0 ? this.child !== undefined : !this.child || !sameFiles(this.desired, this.running);
    if (changed && (handOff || (now >= this.retryAt && now - this.lastStart >= MIN_RESTART_GAP_MS))) {
      await this.restart(this.desired);
    }
    if (this.desired.length === 0 && !this.child && !this.idle) {
      this.options.log(`no blog is placed on node ${this.node?.id}: Litestream starts when one is`);
      this.idle = true;
    }
    const held = new Set(this.running.map((db) => db.relative));
    const released = requests.filter((request) => !held.has(request.path)).map((request) => request.token);
    if (released.join() !== this.released.join()) {
      this.released = released;
      this.publish();
    }
  }

  /** On control.db: the list again when control.db or the requests changed. False: no control.db yet. */
  private readControl(excluded: ReadonlySet<string>): boolean {
    this.control ??= openControlReadOnly();
    if (!this.control) {
      if (!this.waitingForControl) this.options.log(`waiting for ${path.join(config().dataDir, 'control.db')} (start Quire first)`);
      this.waitingForControl = true;
      return false;
    }
    const dataVersion = this.control.pragma('data_version', { simple: true }) as number;
    const seen = `${dataVersion} ${[...excluded].sort().join(' ')}`;
    if (seen !== this.seen) {
      this.seen = seen;
      this.desired = databasesToReplicate(readBlogs(this.control), this.options.replica, excluded);
    }
    return true;
  }

  /**
   * On a node: the list again when the placement on this node, the requests, or a file awaited
   * changed. The registry is in memory; the blogs' ids (their replica path) are asked of the
   * control plane then, once. False: the registry has not been read yet.
   */
  private async readPlacement(nodeId: string, excluded: ReadonlySet<string>): Promise<boolean> {
    if (this.registry !== 'loaded') {
      if (this.registry === 'unread') {
        this.registry = 'loading';
        this.options.log(`reading which blogs the control plane places on node ${nodeId}`);
        registryLoaded().then(
          () => (this.registry = 'loaded'),
          (error: unknown) => {
            this.options.log(`could not read the blog registry (trying again): ${(error as Error).message}`);
            this.registry = 'unread';
          },
        );
      }
      return false;
    }
    const placed = registeredBlogs().flatMap((blog) => {
      const at = blog.placement;
      const here = at?.node === nodeId && (at.state === 'active' || at.state === 'moving') && blog.status !== 'deleted';
      return here ? [{ slug: blog.slug, epoch: at.epoch }] : [];
    });
    const seen = `${placed
      .map((blog) => `${blog.slug}@${blog.epoch}`)
      .sort()
      .join(' ')} | ${[...excluded].sort().join(' ')}`;
    const arrived = this.awaitingFiles.some((slug) => fs.existsSync(tenantDbPath(slug)));
    if (seen === this.seen && !arrived) return true;
    const ids = placed.length > 0 ? await placedBlogIds(nodeId) : new Map<string, number>();
    const withIds: PlacedBlog[] = [];
    for (const blog of placed) {
      const id = ids.get(blog.slug);
      // The registry's notice of a later change (a rename, a move) is on its way: read again then.
      if (id === undefined) throw new Error(`the control plane no longer places ${blog.slug} on node ${nodeId}`);
      withIds.push({ id, ...blog });
    }
    this.seen = seen;
    this.desired = clusterDatabasesToReplicate(withIds, this.options.replica, excluded);
    this.awaitingFiles = placed.map((blog) => blog.slug).filter((slug) => !fs.existsSync(tenantDbPath(slug)));
    if (this.desired.length > 0) this.idle = false;
    return true;
  }

  private async restart(desired: ReplicatedDb[]): Promise<void> {
    // A file under another replica (a blog placed here under a new epoch) counts as dropped and added.
    const key = (db: ReplicatedDb) => `${db.file} ${db.replica}`;
    const before = new Map(this.running.map((db) => [key(db), db]));
    const after = new Set(desired.map(key));
    const added = desired.filter((db) => !before.has(key(db))).map((db) => db.name);
    const dropped = [...before.values()].filter((db) => !after.has(key(db)));
    if (this.child) {
      this.options.log(
        `restarting Litestream: ${describeChange(
          added,
          dropped.map((db) => db.name),
        )}`,
      );
      await this.stopChild();
    }
    // Litestream 0.3 does not notice a file replaced under a path: its state beside a file it no
    // longer replicates goes, so a file back at that path starts a new generation (a snapshot).
    for (const db of dropped) fs.rmSync(litestreamMetaDir(db.file), { recursive: true, force: true });
    if (this.firstStart === 0) this.removeStrayMetaDirs(new Set(desired.map((db) => db.file)));
    if (this.stopping || desired.length === 0) return;
    const header = [
      'Written by `quire backup run`, which runs Litestream with it and writes it again when blogs',
      'are created, renamed, deleted or restored. Edits here are overwritten.',
    ].join('\n');
    fs.mkdirSync(path.dirname(this.options.configFile), { recursive: true });
    const temporary = `${this.options.configFile}.tmp`;
    fs.writeFileSync(temporary, litestreamConfigV03(desired, this.options.settings, header));
    fs.renameSync(temporary, this.options.configFile);
    this.start(desired);
  }

  private start(desired: ReplicatedDb[]): void {
    // -no-expand-env: a `$` in a path is a path, not a variable.
    const child = spawn(this.options.bin, ['replicate', '-config', this.options.configFile, '-no-expand-env'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    this.child = child;
    this.running = desired;
    this.lastStart = Date.now();
    if (this.firstStart === 0) this.firstStart = this.lastStart;
    const blogs = this.node ? desired.length : desired.length - 1;
    const what = `${blogs} blog${blogs === 1 ? '' : 's'}`;
    this.options.log(
      this.node
        ? `Litestream (pid ${child.pid}) replicates ${what} placed on node ${this.node.id} to ${this.options.replica}/blogs/<id>/epoch-<epoch>`
        : `Litestream (pid ${child.pid}) replicates control.db and ${what} to ${this.options.replica}`,
    );
    this.publish();
    this.childExited = new Promise((resolve) => {
      let gone = false;
      const settle = () => {
        if (gone) return false;
        gone = true;
        if (this.child === child) this.childGone();
        resolve();
        return true;
      };
      child.once('error', (error) => {
        if (!settle()) return;
        this.options.log(`Litestream could not be started: ${error.message}`);
        this.exitCode = 1;
        this.stop();
      });
      child.once('exit', (code, signal) => {
        if (!settle()) return;
        if (!this.stopping && this.stoppingChild !== child) this.unexpectedExit(code, signal);
        // Its messages above say which database; one still replicated is caught up by the next
        // Litestream (a file sent to the trash is not).
        else if (code) this.options.log(`Litestream exited with code ${code} as it stopped: its last sync may not have completed`);
      });
    });
  }

  private childGone(): void {
    this.child = undefined;
    this.running = [];
    this.publish();
  }

  private unexpectedExit(code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal ? `was killed (${signal})` : `exited (code ${code})`;
    if (Date.now() - this.firstStart < STARTUP_FAILURE_MS && this.lastStart === this.firstStart) {
      this.options.log(`Litestream ${how} as it started: see its messages above. Giving up.`);
      this.exitCode = 1;
      this.stop();
      return;
    }
    this.options.log(`Litestream ${how}; starting it again in ${this.backoffMs / 1000} s`);
    this.retryAt = Date.now() + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }

  private async stopChild(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stoppingChild = child;
    const ranFor = Date.now() - this.lastStart;
    if (ranFor < MIN_RUN_MS) await new Promise((resolve) => setTimeout(resolve, MIN_RUN_MS - ranFor));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.childExited;
    clearTimeout(timer);
    if (this.child === child) this.childGone();
  }

  /** State left beside files by an earlier run that was killed before it could tidy up. */
  private removeStrayMetaDirs(replicated: ReadonlySet<string>): void {
    const dir = tenantsDir();
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const file = /^\.(.+\.db)-litestream$/.exec(name)?.[1];
      if (file && !replicated.has(path.join(dir, file))) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  }

  private stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  private publish(): void {
    writeSupervisorState({
      heartbeatAt: Date.now(),
      pid: process.pid,
      host: os.hostname(),
      litestreamPid: this.child?.pid ?? null,
      released: this.released,
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/** The ids of the blogs placed on a node, by slug (the registry holds slugs only). */
async function placedBlogIds(nodeId: string): Promise<Map<string, number>> {
  const rows = await controlDb()
    .orm.select({ id: blogs.id, slug: blogs.slug })
    .from(blogs)
    .innerJoin(placement, eq(placement.blogId, blogs.id))
    .where(eq(placement.nodeId, nodeId))
    .all();
  return new Map(rows.map((row) => [row.slug, row.id]));
}

function sameFiles(a: ReplicatedDb[], b: ReplicatedDb[]): boolean {
  const key = (dbs: ReplicatedDb[]) => dbs.map((db) => `${db.file} ${db.replica}`).join('\n');
  return key(a) === key(b);
}

function describeChange(added: string[], dropped: string[]): string {
  const parts = [added.length ? `+ ${added.join(', ')}` : '', dropped.length ? `- ${dropped.join(', ')}` : ''].filter(Boolean);
  return parts.join('; ') || 'it had stopped';
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isLitestream(pid: number): boolean {
  try {
    return /litestream\0replicate\0/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}
