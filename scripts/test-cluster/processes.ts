import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The processes of the cluster test (PostgreSQL aside: lib/testing/postgres.ts). Each is started
 * in a process group of its own, so that stopping it stops what it started too (a `quire backup
 * run` and its Litestream), and a kill -9 of a node is a kill -9 of everything it ran. Whatever
 * ends the test, every group still running is killed as the test process exits.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type Managed = {
  name: string;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr, the last 200 KB). */
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once `text` appears in its output; throws if it exits first or `timeoutMs` passes. */
  waitFor: (text: string | RegExp, timeoutMs: number) => Promise<void>;
  /** A signal to the whole group; waits for the leader to exit (SIGKILL after `graceMs`). */
  stop: (signal?: NodeJS.Signals, graceMs?: number) => Promise<void>;
};

const running = new Set<Managed>();
const OUTPUT_KEPT = 200_000;

/** Starts `command` in a new process group, in the repository's folder. */
export function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Managed {
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
    listeners.forEach((listener) => listener());
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const managed: Managed = {
    name,
    child,
    output: () => output,
    exited,
    waitFor: (text, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const found = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
        const done = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
          if (error) reject(error);
          else resolve();
        };
        const check = () => found() && done();
        const onExit = () => done(new Error(`${name} exited before printing ${String(text)}:\n${tail(output)}`));
        const timer = setTimeout(
          () => done(new Error(`${name} did not print ${String(text)} within ${timeoutMs} ms:\n${tail(output)}`)),
          timeoutMs,
        );
        listeners.add(check);
        child.once('exit', onExit);
        check();
      }),
    stop: async (signal = 'SIGTERM', graceMs = 10_000) => {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child, signal);
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // The leader is gone; whatever it started and left behind goes too.
      killGroup(child, 'SIGKILL');
      running.delete(managed);
    },
  };
  running.add(managed);
  void exited.then(() => running.delete(managed));
  return managed;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* the group is gone */
  }
}

/** Every group still running, killed at once: the last resort on the way out. */
export function killEverything(): void {
  for (const managed of running) killGroup(managed.child, 'SIGKILL');
  running.clear();
}
process.once('exit', killEverything);

/** Runs a command to its end (bounded): its exit code and output. */
export async function runToEnd(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  if (code === null) throw new Error(`${name} did not finish within ${timeoutMs} ms:\n${tail(stdout + stderr)}`);
  return { code, stdout, stderr };
}

export function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every `everyMs` until it holds; throws `what` after `timeoutMs`. */
export async function waitUntil(
  what: string | (() => string),
  timeoutMs: number,
  condition: () => Promise<boolean> | boolean,
  everyMs = 200,
): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    // A function: what it says is built when it times out (with the last thing seen).
    if (Date.now() - started > timeoutMs)
      throw new Error(`Timed out after ${timeoutMs} ms waiting until ${typeof what === 'string' ? what : what()}.`);
    await sleep(everyMs);
  }
  return Date.now() - started;
}

/** What a process holds, from /proc: resident memory (VmRSS, in MB) and open file descriptors. */
export type ResourceUse = { rssMb: number; fds: number };

export function resourceUse(pid: number): ResourceUse {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round((rssKb / 1024) * 10) / 10, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
}

/**
 * The processes `pid` started that run `command` (its name in /proc/<pid>/stat: e.g. a backup
 * run's Litestream). The kernel here has no /proc/<pid>/task/<tid>/children: every process's
 * parent is read instead.
 */
export function childrenNamed(pid: number, command: string): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "<pid> (<name>) <state> <ppid> …": the name may hold spaces and parentheses; it ends at the last ')'.
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid && name === command) children.push(Number(entry));
  }
  return children;
}
