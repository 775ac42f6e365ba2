import { controlDb, type ControlDb } from '@/lib/db/control';
import { processWide } from '@/lib/process/shared';

/**
 * What the front needs to know about every blog, held in memory so that serving a cached page
 * touches no database (docs/architecture.md, "The front"): status, page-cache generation,
 * primary domain, custom domains and the old addresses of renamed blogs.
 *
 * It is loaded whole from control.db and kept current two ways:
 * - writes by other processes (the CLI, worker threads) move `PRAGMA data_version`, asked at
 *   most once per turn of the event loop (each SQLite call costs a few µs of file locking, and a
 *   page asks the registry several times): another process's write is seen from the next turn;
 * - writes by this process do not move it, so TEMP triggers on this connection call back into
 *   the registry: a generation bump updates one entry, any other change to the tables read here
 *   drops the snapshot, which is reloaded at the next lookup.
 */

export type RegisteredBlog = {
  slug: string;
  status: 'active' | 'maintenance' | 'deleted';
  generation: number;
  /** The verified custom domain its other hosts redirect to. */
  primaryDomain: string | undefined;
};

export type DomainTarget = { slug: string; verified: boolean; isPrimary: boolean };

type Snapshot = {
  /** The connection it was read through: a reopened control.db is read again. */
  sqlite: ControlDb['sqlite'];
  dataVersion: number;
  /** data_version was asked during this turn of the event loop. */
  checkedThisTurn: boolean;
  blogs: Map<string, RegisteredBlog>;
  domains: Map<string, DomainTarget>;
  /** Old slug of a renamed blog → its current slug. */
  renamed: Map<string, string>;
};

/** One per process, shared by the front and Next's bundles (lib/process/shared.ts). */
const holder = () =>
  processWide('blog-registry', () => ({ snapshot: undefined as Snapshot | undefined, watched: new WeakSet<ControlDb['sqlite']>() }));

const CHANGED = 'quire_registry_changed';
const GENERATION_MOVED = 'quire_generation_moved';

function snapshot(): Snapshot {
  const db = controlDb();
  const current = holder().snapshot;
  if (current?.checkedThisTurn && current.sqlite === db.sqlite) return current;
  const dataVersion = db.statement('data_version', () => db.sqlite.prepare('PRAGMA data_version').pluck()).get() as number;
  const fresh = current && current.sqlite === db.sqlite && current.dataVersion === dataVersion ? current : reload(db, dataVersion);
  fresh.checkedThisTurn = true;
  setImmediate(() => (fresh.checkedThisTurn = false));
  return fresh;
}

function reload(db: ControlDb, dataVersion: number): Snapshot {
  if (!holder().watched.has(db.sqlite)) watchOwnWrites(db);
  const loaded = load(db, dataVersion);
  holder().snapshot = loaded;
  return loaded;
}

function load(db: ControlDb, dataVersion: number): Snapshot {
  const blogs = new Map<string, RegisteredBlog>();
  const byId = new Map<number, RegisteredBlog>();
  for (const row of db.sqlite.prepare('select id, slug, status, generation from blogs').all() as {
    id: number;
    slug: string;
    status: RegisteredBlog['status'];
    generation: number;
  }[]) {
    const blog: RegisteredBlog = { slug: row.slug, status: row.status, generation: row.generation, primaryDomain: undefined };
    blogs.set(row.slug, blog);
    byId.set(row.id, blog);
  }
  const domains = new Map<string, DomainTarget>();
  for (const row of db.sqlite
    .prepare('select domain, blog_id as blogId, verified_at as verifiedAt, is_primary as isPrimary from blog_domains')
    .all() as {
    domain: string;
    blogId: number;
    verifiedAt: number | null;
    isPrimary: number;
  }[]) {
    const blog = byId.get(row.blogId);
    // A name may have several claims; the one verified (at most one) is the one that counts.
    if (!blog || domains.get(row.domain)?.verified) continue;
    domains.set(row.domain, { slug: blog.slug, verified: row.verifiedAt !== null, isPrimary: row.isPrimary === 1 });
    if (row.isPrimary === 1 && row.verifiedAt !== null) blog.primaryDomain = row.domain;
  }
  const renamed = new Map<string, string>();
  for (const row of db.sqlite.prepare('select old_slug as oldSlug, blog_id as blogId from blog_redirects').all() as {
    oldSlug: string;
    blogId: number;
  }[]) {
    const blog = byId.get(row.blogId);
    if (blog) renamed.set(row.oldSlug, blog.slug);
  }
  return { sqlite: db.sqlite, dataVersion, checkedThisTurn: false, blogs, domains, renamed };
}

/** TEMP triggers live on this connection only: exactly the writes data_version cannot see. */
function watchOwnWrites(db: ControlDb): void {
  db.sqlite.function(CHANGED, { varargs: true }, () => {
    holder().snapshot = undefined;
    return null;
  });
  db.sqlite.function(GENERATION_MOVED, (slug: unknown, generation: unknown) => {
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
  triggers.forEach((body, i) => db.sqlite.exec(`create temp trigger if not exists quire_registry_${i} ${body}`));
  holder().watched.add(db.sqlite);
}

/** A blog by its slug, whatever its status. */
export function registeredBlog(slug: string): RegisteredBlog | undefined {
  return snapshot().blogs.get(slug);
}

/** The current slug of a renamed blog, from one of its old ones. */
export function renamedTo(oldSlug: string): string | undefined {
  return snapshot().renamed.get(oldSlug);
}

/** The blog a custom domain is verified for, else one that claims it (the front serves only verified ones). */
export function customDomainTarget(hostname: string): DomainTarget | undefined {
  return snapshot().domains.get(hostname);
}
