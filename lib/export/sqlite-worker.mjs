// SQLite work that can take long on a big blog, run in a worker thread so the server keeps
// answering: consistent snapshots (VACUUM INTO reads one WAL snapshot while writers go on),
// and the inspection of an uploaded file, which is treated as hostile (SQLite's "Defense
// Against the Dark Arts"). Plain JavaScript: loaded by path, outside any bundler.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** A reason to refuse an upload, worded for the person who sent it. */
class Refusal extends Error {}

const jobs = { snapshot, inspect };

try {
  parentPort.postMessage({ ok: true, result: jobs[workerData.op](workerData) });
} catch (error) {
  parentPort.postMessage({ ok: false, error: error instanceof Refusal ? error.message : `${error.code ?? 'error'}: ${error.message}`, refused: error instanceof Refusal });
}

/** A consistent copy of a live blog, made self-describing and checked. */
function snapshot({ source, dest, about }) {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('VACUUM INTO ?').run(dest);
  } finally {
    db.close();
  }
  const copy = new Database(dest, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE'); // one self-contained file
    const put = copy.prepare('INSERT INTO quire_about (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    for (const [key, value] of Object.entries(about ?? {})) put.run(key, String(value));
    put.run('schema_version', String(copy.pragma('user_version', { simple: true })));
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`quick_check: ${check}`);
  } finally {
    copy.close();
  }
  return {};
}

/**
 * Opens an upload read-only with the defensive settings, checks it, allow-lists its schema,
 * then copies it with VACUUM INTO to a fresh file: only that copy is ever used.
 */
function inspect({ file, dest, allowedTables, allowedIndexes, exactObjects, requiredTables, maxVersion }) {
  let db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('trusted_schema = OFF');
    db.pragma('cell_size_check = ON');
    db.pragma('mmap_size = 0');
    const problems = db.pragma('quick_check(5)').map((row) => row.quick_check);
    if (problems.length !== 1 || problems[0] !== 'ok') throw new Refusal(`This file was damaged: ${problems.join('; ')}.`);
  } catch (error) {
    db?.close();
    if (error instanceof Refusal) throw error;
    if (error.code === 'SQLITE_NOTADB') throw new Refusal('This file is not a SQLite database.');
    throw new Refusal(`This file was damaged: ${error.message}.`);
  }
  try {
    // Every schema object, whatever its name: a LIKE 'sqlite_%' filter would let 'sqliteX…' by.
    const all = db.prepare('SELECT type, name, sql FROM sqlite_schema').all();
    const internal = (o) =>
      (o.type === 'table' && (o.name === 'sqlite_sequence' || o.name === 'sqlite_stat1')) ||
      (o.type === 'index' && o.name.startsWith('sqlite_autoindex_'));
    const objects = all.filter((o) => !internal(o));
    // Our own triggers and virtual tables (the search index) pass only with exactly our SQL.
    const altered = objects.find((o) => (o.type === 'trigger' || /^CREATE VIRTUAL TABLE/i.test(o.sql ?? '')) && exactObjects[o.name] !== o.sql);
    if (altered) {
      throw new Refusal(`This database has a ${altered.type === 'trigger' ? 'trigger' : 'virtual table'} ("${altered.name}") that a Quire blog does not have; it was not imported.`);
    }
    const view = objects.find((o) => o.type === 'view');
    if (view) throw new Refusal(`This database has a view ("${view.name}"), which a Quire blog never has; it was not imported.`);
    // Triggers left here are exactly ours (checked above).
    const odd = objects.find((o) => o.type !== 'table' && o.type !== 'index' && o.type !== 'trigger');
    if (odd) throw new Refusal(`This database is not a Quire blog (it has a ${odd.type} "${odd.name}").`);
    const tables = new Set(objects.filter((o) => o.type === 'table').map((o) => o.name));
    const foreign = [...tables].find((name) => !allowedTables.includes(name));
    if (foreign || !requiredTables.every((name) => tables.has(name))) {
      throw new Refusal(`This database is not a Quire blog${foreign ? ` (it has a table "${foreign}")` : ''}.`);
    }
    const index = objects.find((o) => o.type === 'index' && !allowedIndexes.includes(o.name));
    if (index) throw new Refusal(`This database is not a Quire blog (it has an index "${index.name}").`);
    const version = db.pragma('user_version', { simple: true });
    if (version < 1) throw new Refusal('This database is not a Quire blog.');
    if (version > maxVersion) {
      throw new Refusal(`This blog comes from a newer Quire (schema ${version}); this server reads up to schema ${maxVersion}.`);
    }
    db.prepare('VACUUM INTO ?').run(dest);
    return { version };
  } finally {
    db.close();
  }
}
