import type { Statement } from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import type { Sqlite } from '@/lib/db/connection';
import { controlDb, type ControlDb } from '@/lib/db/control';
import { processWide } from '@/lib/process/shared';

/**
 * What the front needs to know about every blog, held in memory so that serving a cached page
 * touches no database (docs/architecture.md, "The front"): status, page-cache generation,
 * primary domain, custom domains and the old addresses of renamed blogs.
 *
 * It is loaded whole from the control plane and kept current:
 * - on control.db, writes by other processes (the CLI, worker threads) move `PRAGMA
 *   data_version`, asked at most once per turn of the event loop (each SQLite call costs a few µs
 *   of file locking, and a page asks the registry several times): another process's write is
 *   seen from the next turn; writes by this process do not move it, so TEMP triggers on this
 *   connection call back into the registry: a generation bump updates one entry, any other change
 *   to the tables read here drops the snapshot, which is reloaded at the next lookup;
 * - on PostgreSQL, lookups never wait on the database: triggers announce changes on the
 *   `quire_registry` channel (a generation moving updates one entry, anything else rereads the
 *   whole), the listener rereads after every reconnection, and this process's own writes reread
 *   before they return (`followOwnWrites`). A host the registry does not know may ask for one
 *   reread (`lookUpMissing`), at most one at a time and one per REREAD_MS.
 */

export type RegisteredBlog = {
  slug: string;
  status: 'active' | 'maintenance' | 'deleted';
  generation: number;
  /** The verified custom domain its other hosts redirect to. */
  primaryDomain: string | undefined;
  /** In a cluster (PostgreSQL only): the node that owns its file (lib/cluster). */
  placement: BlogPlacement | undefined;
};

type BlogPlacement = {
  node: string;
  /** Grows at each move or failover; a node writes only under the epoch it holds. */
  epoch: number;
  state: 'active' | 'moving' | 'restoring';
  /** While moving or restoring: the node it is going to. */
  target: string | undefined;
};

export type DomainTarget = { slug: string; verified: boolean; isPrimary: boolean };

type Contents = {
  blogs: Map<string, RegisteredBlog>;
  domains: Map<string, DomainTarget>;
  /** Old slug of a renamed blog → its current slug. */
  renamed: Map<string, string>;
};

type Snapshot = Contents & {
  /** The connection it was read through: a reopened control.db is read again. */
  sqlite: Sqlite;
  dataVersion: number;
  /** data_version was asked during this turn of the event loop. */
  checkedThisTurn: boolean;
};

type Followed = {
  db: ControlDb;
  /** Generations this process counted before PostgreSQL wrote them (`raiseGeneration`). */
  raised: Map<string, number>;
  contents: Contents;
  loaded: Promise<void>;
  /** The reread running, and the one queued behind it (shared by whoever asks meanwhile). */
  running: Promise<boolean> | undefined;
  queued: Promise<boolean> | undefined;
  lastReadAt: number;
};

/** One per process, shared by the front and Next's bundles (lib/process/shared.ts). */
const holder = () =>
  processWide('blog-registry', () => ({
    snapshot: undefined as Snapshot | undefined,
    watched: new WeakSet<Sqlite>(),
    followed: undefined as Followed | undefined,
  }));

const CHANGED = 'quire_registry_changed';
const GENERATION_MOVED = 'quire_generation_moved';
const CHANNEL = 'quire_registry';
/** The least time between two rereads asked for by unknown hosts. */
const REREAD_MS = 100;

const empty = (): Contents => ({ blogs: new Map(), domains: new Map(), renamed: new Map() });

function contents(): Contents {
  const db = controlDb();
  return db.sqlite ? snapshot(db, db.sqlite) : followed(db).contents;
}

function snapshot(db: ControlDb, sqlite: Sqlite): Snapshot {
  const current = holder().snapshot;
  if (current?.checkedThisTurn && current.sqlite === sqlite) return current;
  const dataVersion = dataVersionOf(sqlite);
  const fresh = current && current.sqlite === sqlite && current.dataVersion === dataVersion ? current : reload(sqlite, dataVersion);
  fresh.checkedThisTurn = true;
  setImmediate(() => (fresh.checkedThisTurn = false));
  return fresh;
}

const dataVersionStatements = new WeakMap<Sqlite, Statement<[]>>();
function dataVersionOf(sqlite: Sqlite): number {
  let statement = dataVersionStatements.get(sqlite);
  if (!statement) dataVersionStatements.set(sqlite, (statement = sqlite.prepare<[]>('PRAGMA data_version').pluck()));
  return statement.get() as number;
}

function reload(sqlite: Sqlite, dataVersion: number): Snapshot {
  if (!holder().watched.has(sqlite)) watchOwnWrites(sqlite);
  const rows = (query: string) => sqlite.prepare(query).raw(true).all() as unknown[][];
  const loaded = { ...fill(rows(BLOGS), rows(DOMAINS), rows(RENAMES)), sqlite, dataVersion, checkedThisTurn: false };
  holder().snapshot = loaded;
  return loaded;
}

const BLOGS = 'select id, slug, status, generation from blogs';
/** On PostgreSQL, with each blog's placement (none on a single machine). */
const PLACED_BLOGS = `select b.id, b.slug, b.status, b.generation, p.node_id, p.epoch, p.state, p.target_node_id
  from blogs b left join placement p on p.blog_id = b.id`;
const DOMAINS = 'select domain, blog_id, verified_at, is_primary from blog_domains';
const RENAMES = 'select old_slug, blog_id from blog_redirects';

/** The registry from the rows of its three queries (as arrays, in the queries' column order). */
function fill(blogRows: unknown[][], domainRows: unknown[][], renameRows: unknown[][]): Contents {
  const loaded = empty();
  const byId = new Map<number, RegisteredBlog>();
  for (const [id, slug, status, generation, node, epoch, state, target] of blogRows) {
    const blog: RegisteredBlog = {
      slug: String(slug),
      status: status as RegisteredBlog['status'],
      generation: Number(generation),
      primaryDomain: undefined,
      placement:
        typeof node === 'string'
          ? { node, epoch: Number(epoch), state: state as BlogPlacement['state'], target: typeof target === 'string' ? target : undefined }
          : undefined,
    };
    loaded.blogs.set(blog.slug, blog);
    byId.set(Number(id), blog);
  }
  for (const [domain, blogId, verifiedAt, isPrimary] of domainRows) {
    const blog = byId.get(Number(blogId));
    const name = String(domain);
    // A name may have several claims; the one verified (at most one) is the one that counts.
    if (!blog || loaded.domains.get(name)?.verified) continue;
    const verified = verifiedAt !== null;
    loaded.domains.set(name, { slug: blog.slug, verified, isPrimary: Number(isPrimary) === 1 });
    if (Number(isPrimary) === 1 && verified) blog.primaryDomain = name;
  }
  for (const [oldSlug, blogId] of renameRows) {
    const blog = byId.get(Number(blogId));
    if (blog) loaded.renamed.set(String(oldSlug), blog.slug);
  }
  return loaded;
}

/** PostgreSQL: the registry this process follows (loading starts at the first use). */
function followed(db: ControlDb): Followed {
  const current = holder().followed;
  if (current?.db === db) return current;
  const state: Followed = {
    db,
    raised: new Map(),
    contents: empty(),
    loaded: Promise.resolve(),
    running: undefined,
    queued: undefined,
    lastReadAt: 0,
  };
  let loaded!: () => void;
  // Loaded once the listener is connected and the registry read after it: no change falls between.
  state.loaded = new Promise<void>((resolve) => (loaded = resolve));
  const readUntilRead = async (delay = 500): Promise<void> => {
    if (await reread(state)) return loaded();
    setTimeout(() => void readUntilRead(Math.min(delay * 2, 30_000)), delay).unref();
  };
  db.listen?.(
    CHANNEL,
    (payload) => onNotice(state, payload),
    () => void readUntilRead(),
  );
  db.followOwnWrites?.(['blogs', 'blog_domains', 'blog_redirects', 'placement'], async () => void (await reread(state)));
  holder().followed = state;
  return state;
}

function onNotice(state: Followed, payload: string): void {
  const moved = /^generation (\d+) (.+)$/.exec(payload);
  const blog = moved ? state.contents.blogs.get(moved[2]!) : undefined;
  if (moved && blog) blog.generation = Math.max(blog.generation, Number(moved[1]));
  else void reread(state);
}

/**
 * Reads the whole registry again. Asked while one runs, it runs once more after it, shared by
 * everyone who asks meanwhile. False when it could not be read (the last one read stays in use).
 * A generation never goes back: a notice or a bump that arrived while the rows were read counts.
 */
function reread(state: Followed): Promise<boolean> {
  const run = async (): Promise<boolean> => {
    state.lastReadAt = Date.now();
    const rows = async (query: string) => (await state.db.orm.all(sql.raw(query))) as unknown[][];
    try {
      const [blogRows, domainRows, renameRows] = await Promise.all([rows(PLACED_BLOGS), rows(DOMAINS), rows(RENAMES)]);
      const contents = fill(blogRows, domainRows, renameRows);
      for (const blog of contents.blogs.values()) {
        const known = Math.max(state.contents.blogs.get(blog.slug)?.generation ?? 0, state.raised.get(blog.slug) ?? 0);
        blog.generation = Math.max(blog.generation, known);
      }
      state.contents = contents;
      return true;
    } catch (error) {
      console.error(`[quire] could not read the blog registry: ${(error as Error).message}`);
      return false;
    }
  };
  if (!state.running) {
    const running: Promise<boolean> = run().finally(() => {
      if (state.running === running) state.running = undefined;
    });
    state.running = running;
    return running;
  }
  state.queued ??= state.running.then(() => {
    state.queued = undefined;
    return reread(state);
  });
  return state.queued;
}

/**
 * PostgreSQL: this process bumps a blog's generation, written in the background
 * (lib/pagecache/generation.ts). It counts at once here, so this node's readers see the change
 * after one cache miss; a reread keeps it until the written value comes back (`settleGeneration`).
 */
export function raiseGeneration(slug: string): void {
  const state = holder().followed;
  const blog = state?.contents.blogs.get(slug);
  if (!state || !blog) return;
  blog.generation += 1;
  state.raised.set(slug, blog.generation);
}

/** The generation a background bump wrote: it replaces the one counted in advance. */
export function settleGeneration(slug: string, written: number): void {
  const state = holder().followed;
  if (!state) return;
  if ((state.raised.get(slug) ?? 0) <= written) state.raised.delete(slug);
  const blog = state.contents.blogs.get(slug);
  if (blog) blog.generation = Math.max(blog.generation, written);
}

/**
 * Resolves once the registry has been read: the server waits for it before taking traffic.
 * (control.db is read at the first lookup.)
 */
export async function registryLoaded(): Promise<void> {
  const db = controlDb();
  if (!db.sqlite) await followed(db).loaded;
}

/**
 * For a host the registry does not know: on PostgreSQL, the blog may have been created on
 * another node a moment ago and its notice not have arrived; one reread, shared by every
 * unknown host asking within REREAD_MS.
 */
export async function lookUpMissing(): Promise<void> {
  const db = controlDb();
  if (db.sqlite) return;
  const state = followed(db);
  if (state.running) await state.running;
  else if (Date.now() - state.lastReadAt >= REREAD_MS) await reread(state);
}

/** TEMP triggers live on this connection only: exactly the writes data_version cannot see. */
function watchOwnWrites(sqlite: Sqlite): void {
  sqlite.function(CHANGED, { varargs: true }, () => {
    holder().snapshot = undefined;
    return null;
  });
  sqlite.function(GENERATION_MOVED, (slug: unknown, generation: unknown) => {
    const blog = holder().snapshot?.blogs.get(String(slug));
    if (blog) blog.generation = Number(generation);
    return null;
  });
  const triggers = [
    `after update of generation on main.blogs begin select ${GENERATION_MOVED}(new.slug, new.generation); end`,
    `after update of slug, status on main.blogs begin select ${CHANGED}(); end`,
    `after insert on main.blogs begin select ${CHANGED}(); end`,
    `after delete on main.blogs begin select ${CHANGED}(); end`,
    ...['blog_domains', 'blog_redirects'].flatMap((table) =>
      ['insert', 'update', 'delete'].map((event) => `after ${event} on main.${table} begin select ${CHANGED}(); end`),
    ),
  ];
  triggers.forEach((body, i) => sqlite.exec(`create temp trigger if not exists quire_registry_${i} ${body}`));
  holder().watched.add(sqlite);
}

/** A blog by its slug, whatever its status. */
export function registeredBlog(slug: string): RegisteredBlog | undefined {
  return contents().blogs.get(slug);
}

/** Every blog, whatever its status. */
export function registeredBlogs(): RegisteredBlog[] {
  return [...contents().blogs.values()];
}

/** The current slug of a renamed blog, from one of its old ones. */
export function renamedTo(oldSlug: string): string | undefined {
  return contents().renamed.get(oldSlug);
}

/** The blog a custom domain is verified for, else one that claims it (the front serves only verified ones). */
export function customDomainTarget(hostname: string): DomainTarget | undefined {
  return contents().domains.get(hostname);
}
