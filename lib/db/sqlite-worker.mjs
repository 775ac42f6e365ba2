// SQLite work that can take long on a big blog, run in a worker thread so the server keeps
// answering: consistent snapshots (VACUUM INTO reads one WAL snapshot while writers go on), and
// the full check of a file that arrived from elsewhere.
// Plain JavaScript: loaded by path, outside any bundler. (Uploads are checked by the import
// pipeline on the worker pool: lib/export/prepare.ts.)
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const jobs = { snapshot, check };

try {
  parentPort.postMessage({ ok: true, result: jobs[workerData.op](workerData) });
} catch (error) {
  parentPort.postMessage({ ok: false, error: `${error.code ?? 'error'}: ${error.message}`, code: error.code });
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

/** integrity_check, and the search index against the posts it indexes: a file restored or copied in. */
function check({ source }) {
  // Not read-only: FTS5's integrity-check is an INSERT, which SQLite refuses on a read-only
  // connection (SQLITE_READONLY), though it changes nothing. The file is a private copy, not yet
  // in place, that nothing else has open.
  const db = new Database(source, { fileMustExist: true });
  try {
    const problems = db.pragma('integrity_check(10)', { simple: false }).map((row) => Object.values(row)[0]);
    if (problems.length !== 1 || problems[0] !== 'ok') throw new Error(`integrity_check: ${problems.join('; ')}`);
    const fts = db.prepare("select 1 from sqlite_master where name = 'posts_fts'").get();
    // FTS5's own check: the index holds exactly what the external-content table says.
    if (fts) db.prepare("insert into posts_fts(posts_fts, rank) values ('integrity-check', 1)").run();
  } finally {
    db.close();
  }
  return {};
}
