import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { config } from '@/lib/config';
import { backupRunDir } from './paths';

/**
 * How a blog file is taken from Litestream before it moves (docs/architecture.md, "Backups").
 *
 * Litestream 0.3 keeps a read transaction open on every file it replicates, and its connection
 * reaches the -wal by path. Our TRUNCATE checkpoint before a move waits for that reader and
 * fails (BlogBusyError) when the read began before the WAL was last checkpointed; when it began
 * after, the checkpoint succeeds and the file would move under Litestream, which would then write
 * (its own table, its checkpoints) through the old name's WAL into a file served under another.
 * So before a blog file moves, Quire asks `quire backup run` (lib/backup/supervisor.ts), through
 * files in `data/litestream/` that both see (the supervisor may run in another container on the
 * same volume):
 *
 * - the supervisor writes `supervisor.json` at least every second: a heartbeat, and the tokens
 *   of the requests it has honoured;
 * - Quire writes `release/<token>.json` naming the file, and waits until the token is listed;
 *   the supervisor restarts Litestream without that file (its last frames are synced as
 *   Litestream stops) and keeps it out while the request exists;
 * - Quire moves the file and deletes the request; the supervisor replicates what is there now.
 *
 * With no live supervisor nothing is asked: Litestream 0.3 must not be run on Quire's files
 * any other way.
 */

/**
 * The tables Litestream 0.3 adds to every file it replicates, exactly as it creates them: a
 * snapshot or a restored backup of a blog carries them, and an import accepts them (and only
 * these, only so) without copying them.
 */
export const LITESTREAM_TABLES: Readonly<Record<string, string>> = {
  _litestream_seq: 'CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER)',
  _litestream_lock: 'CREATE TABLE _litestream_lock (id INTEGER)',
};

const stateSchema = z.object({
  heartbeatAt: z.number(),
  pid: z.number().int(),
  host: z.string(),
  litestreamPid: z.number().int().nullable(),
  /** Tokens of the release requests honoured: no Litestream holds their file, nor will until they go. */
  released: z.array(z.string()),
});
export type SupervisorState = z.infer<typeof stateSchema>;

const requestSchema = z.object({
  /** The file, relative to the data directory (`tenants/<slug>.db`): the two may mount it at different paths. */
  path: z.string().regex(/^tenants\/[a-z0-9-]+\.db$/),
  at: z.number(),
});
export type ReleaseRequest = z.infer<typeof requestSchema> & { token: string };

/** A heartbeat older than this is a supervisor that died without cleaning up. */
const SUPERVISOR_LIVE_MS = 10_000;
/** A request older than this was left by a process that died mid-move: the supervisor drops it. */
export const RELEASE_REQUEST_MAX_AGE_MS = 120_000;
/** How long a move waits for the supervisor: a Litestream restart, final sync included. */
const RELEASE_WAIT_MS = 30_000;
const POLL_MS = 50;

const supervisorStatePath = (root = config().dataDir) => path.join(backupRunDir(root), 'supervisor.json');
const releaseRequestsDir = (root = config().dataDir) => path.join(backupRunDir(root), 'release');

export function readSupervisorState(root?: string): SupervisorState | undefined {
  try {
    const parsed = stateSchema.safeParse(JSON.parse(fs.readFileSync(supervisorStatePath(root), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function isLive(state: SupervisorState | undefined, now = Date.now()): state is SupervisorState {
  return state !== undefined && now - state.heartbeatAt < SUPERVISOR_LIVE_MS;
}

/** Written whole or not at all: a reader never sees half a file. */
export function writeSupervisorState(state: SupervisorState): void {
  const file = supervisorStatePath();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(state));
  fs.renameSync(temporary, file);
}

export function removeSupervisorState(): void {
  fs.rmSync(supervisorStatePath(), { force: true });
}

/** The pending requests; unreadable ones (being written, or not ours) are skipped. */
export function readReleaseRequests(): ReleaseRequest[] {
  const dir = releaseRequestsDir();
  const requests: ReleaseRequest[] = [];
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const token = /^([\w-]+)\.json$/.exec(name)?.[1];
    if (!token) continue;
    try {
      const parsed = requestSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')));
      if (parsed.success) requests.push({ ...parsed.data, token });
    } catch {
      // Deleted or half-written between the listing and the read: seen again next time, or gone.
    }
  }
  return requests;
}

export function dropReleaseRequest(token: string): void {
  fs.rmSync(path.join(releaseRequestsDir(), `${token}.json`), { force: true });
}

export class BackupHoldsFileError extends Error {
  constructor(file: string) {
    super(
      `The backup process (quire backup run) did not let go of ${file} within ${RELEASE_WAIT_MS / 1000} s; nothing was changed. Try again in a moment.`,
    );
    this.name = 'BackupHoldsFileError';
  }
}

/**
 * Asks a live `quire backup run` to stop replicating `relativePath` and waits until it has.
 * Returns the function that withdraws the request: call it once the file has moved (or the
 * move was given up). With no live supervisor, returns at once.
 */
export async function takeFileFromBackup(relativePath: string): Promise<() => void> {
  if (!isLive(readSupervisorState())) return () => {};
  const token = `${Date.now()}-${randomBytes(6).toString('hex')}`;
  const dir = releaseRequestsDir();
  fs.mkdirSync(dir, { recursive: true });
  const request = path.join(dir, `${token}.json`);
  const temporary = path.join(dir, `.${token}.tmp`);
  fs.writeFileSync(temporary, JSON.stringify({ path: relativePath, at: Date.now() }));
  fs.renameSync(temporary, request);
  const withdraw = () => fs.rmSync(request, { force: true });
  const deadline = Date.now() + RELEASE_WAIT_MS;
  for (;;) {
    const state = readSupervisorState();
    // Honoured; or the supervisor died (whatever Litestream it left makes the checkpoint fail).
    if (!isLive(state) || state.released.includes(token)) return withdraw;
    if (Date.now() > deadline) {
      withdraw();
      throw new BackupHoldsFileError(relativePath);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
