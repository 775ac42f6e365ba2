// SQLite work that can take long on a big blog, run in a worker thread so the server keeps
// answering: consistent snapshots (VACUUM INTO reads one WAL snapshot while writers go on).
// Plain JavaScript: loaded by path, outside any bundler. (Uploads are checked by the import
// pipeline on the worker pool: lib/export/prepare.ts.)
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const jobs = { snapshot };

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
