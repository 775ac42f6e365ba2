import os from 'node:os';
import path from 'node:path';
import { isMainThread, MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { appRoot, config } from '@/lib/config';
import { HttpError } from '@/lib/http/errors';
import { InputError } from '@/lib/input';
import { peekProcessWide, processWide } from '@/lib/process/shared';
import { threadModule } from '@/lib/process/thread-module';
import { reviveFailure, type TaskFailure } from './errors';

/**
 * Work whose cost grows with what a stranger sends — rendering Markdown, reading and upgrading
 * an uploaded blog — never runs on the thread that serves every blog (docs/architecture.md,
 * "Isolation"). It runs here, in worker threads (piscina), each task under a deadline and each
 * thread under a heap limit: a task past its deadline has its thread ended and replaced, and
 * the person gets one sentence.
 *
 * Two lanes, so that a long import never queues ahead of a comment or a preview:
 * - `render`: short tasks (posts, pages, previews, comments), one thread per core;
 * - `bulk`: imports, one thread, a long deadline.
 */
export type Lane = 'render' | 'bulk';

/** What a task sends back: its value, or its refusal as data (lib/workers/errors.ts). */
export type TaskReply<T> = { ok: true; value: T } | { ok: false; failure: TaskFailure };

/**
 * One task as the thread receives it. `deadlineMs` counts from when the thread starts it (it
 * says so on `started`), so a thread's own start-up or a queue never eats a task's time; the
 * task may read `deadlineAt` to stop cleanly before the hard stop.
 */
export type TaskMessage = { name: string; input: unknown; deadlineMs: number; started?: MessagePort; progress?: MessagePort };

type InlineRunner = (message: TaskMessage) => Promise<TaskReply<unknown>>;

const INLINE_RUNNER = 'worker-inline-runner';

/**
 * The task table (lib/tasks) registers itself when a pool thread loads it, so that a task that
 * itself needs a task (an import saving posts renders them) runs it right there.
 */
export function registerInlineRunner(runner: InlineRunner): void {
  processWide(INLINE_RUNNER, () => runner);
}

/** Tasks waiting per lane beyond which new ones are refused: the server says it is busy. */
const MAX_QUEUED: Record<Lane, number> = { render: 200, bulk: 8 };

type PoolStats = { busy: number; queued: number; completed: number; stopped: number; refused: number; threads: number };

type Lanes = Record<Lane, { pool: Piscina; stopped: number; refused: number }>;

function lanes(): Lanes {
  return processWide('worker-pools', () => {
    const cfg = config();
    const cores = Math.max(1, os.availableParallelism());
    const make = (maxThreads: number, lane: Lane) => ({
      pool: new Piscina({
        // The threads' entry lives with the task table (lib/tasks): the pool knows tasks by name only.
        filename: path.join(appRoot(), 'lib', 'tasks', 'thread.mjs'),
        // …which loads the task table, compiled or not (lib/process/thread-module.ts).
        workerData: { taskTable: threadModule('lib/tasks/index.ts') },
        name: 'default',
        // One render thread stays up (a thread takes a second or so to start, ~50 MB); more are
        // started when renders overlap, and the bulk one per import. Idle ones go after a minute.
        minThreads: lane === 'render' ? 1 : 0,
        maxThreads,
        idleTimeout: 60_000,
        maxQueue: MAX_QUEUED[lane],
        resourceLimits: { maxOldGenerationSizeMb: cfg.workerHeapMb, maxYoungGenerationSizeMb: 32 },
        // A thread registers its own TypeScript loader if it needs one; the server's flags are not needed.
        execArgv: [],
      }),
      stopped: 0,
      refused: 0,
    });
    return { render: make(cores, 'render'), bulk: make(1, 'bulk') };
  });
}

export type TaskOptions = {
  lane: Lane;
  /** How long the task may take, queue included; the task itself is told this (`deadlineAt`). */
  deadlineMs: number;
  /** Past the deadline, how long a task that stops by itself is given before its thread is ended. */
  graceMs?: number;
  /** The sentence the person gets when the deadline passes. */
  tooLong: string;
  /** Called with what the task reports as it goes (an import's counts), on the caller's thread. */
  onProgress?: (progress: unknown) => void;
};

/**
 * Runs a task off the serving thread and returns its result, or throws: the task's own
 * `InputError`/`HttpError` as it was thrown there, an `InputError` with `tooLong` past the
 * deadline or the heap limit, a 503 when the lane's queue is full. Called from a thread that is
 * already off the serving thread (a pool worker, a CLI job), it runs right there.
 */
export async function runTask<T>(name: string, input: unknown, options: TaskOptions): Promise<T> {
  const inline = peekProcessWide<InlineRunner>(INLINE_RUNNER);
  if (!isMainThread && inline) {
    const progress = options.onProgress && new MessageChannel();
    progress?.port1.on('message', options.onProgress!);
    try {
      return unwrap((await inline({ name, input, deadlineMs: options.deadlineMs, progress: progress?.port2 })) as TaskReply<T>);
    } finally {
      progress?.port1.close();
    }
  }
  const lane = lanes()[options.lane];
  const hardStopMs = options.deadlineMs + (options.graceMs ?? 0);
  const overdue = new AbortController();
  const { port1: started, port2 } = new MessageChannel();
  const progress = options.onProgress && new MessageChannel();
  progress?.port1.on('message', options.onProgress!);
  let timer: NodeJS.Timeout | undefined;
  started.once('message', () => {
    timer = setTimeout(() => overdue.abort(), hardStopMs);
  });
  // A task still waiting in the queue after this long is dropped from it.
  const signal = AbortSignal.any([overdue.signal, AbortSignal.timeout(hardStopMs * 4 + 30_000)]);
  try {
    const message: TaskMessage = { name, input, deadlineMs: options.deadlineMs, started: port2, progress: progress?.port2 };
    const transferList = progress ? [port2, progress.port2] : [port2];
    return unwrap((await lane.pool.run(message, { signal, transferList })) as TaskReply<T>);
  } catch (error) {
    if (error instanceof InputError || error instanceof HttpError) throw error;
    const e = error as { name?: string; code?: string; message?: string };
    if (e.name === 'AbortError' || signal.aborted || e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      lane.stopped++;
      throw new InputError(options.tooLong);
    }
    if (e.message === 'Task queue is at limit') {
      lane.refused++;
      throw new HttpError(503, 'The server is busy right now. Please try again in a minute.');
    }
    throw error;
  } finally {
    clearTimeout(timer);
    started.close();
    progress?.port1.close();
  }
}

function unwrap<T>(reply: TaskReply<T>): T {
  if (reply.ok) return reply.value;
  throw reviveFailure(reply.failure);
}

/** For health and metrics: what each lane is doing now, and what it refused or stopped. */
export function workerPoolStats(): Record<Lane, PoolStats> {
  const all = lanes();
  const one = ({ pool, stopped, refused }: Lanes[Lane]): PoolStats => ({
    threads: pool.threads.length,
    busy: pool.threads.length - pool.idleThreads,
    queued: pool.queueSize,
    completed: pool.completed,
    stopped,
    refused,
  });
  return { render: one(all.render), bulk: one(all.bulk) };
}

/** Starts the render lane's first thread before the first request needs it. */
export function warmWorkerPool(): void {
  lanes();
}

export async function closeWorkerPools(): Promise<void> {
  const all = peekProcessWide<Lanes>('worker-pools');
  if (all) await Promise.all([all.render.pool.destroy(), all.bulk.pool.destroy()]);
}
