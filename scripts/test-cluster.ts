/**
 * `npm run test:cluster`: a Quire cluster on loopback (docs/scale-out.md), tested end to end.
 *
 * It starts PostgreSQL (the control plane), HAProxy with deploy/haproxy.cfg, three nodes (n1, n2,
 * n3: `node dist/server.mjs`) and a `quire backup run` (Litestream) beside each, all in one
 * temporary folder; then runs the checks of scripts/test-cluster/checks.ts, in order:
 *   1. routing: 100 blogs over the nodes, 1,000 reads through HAProxy all on the blog's owner;
 *      sign-up, sign-in and dashboards through HAProxy for blogs on every node;
 *   2. a move under steady reads and writes;
 *   3. kill -9 of a node, failover from the replicas: RPO and RTO;
 *   4. the killed node back with its stale files: it serves and replicates none of its old blogs;
 *   5. PostgreSQL restarted under load: pages keep being served; the nodes reconnect;
 *   6. a node drained under reads: its blogs moved to the others, none failed.
 * After check 1 it also records what each node holds (blogs, memory and open files of its server
 * and its Litestream). The checks build on each other: after one fails, the rest are not run.
 * Prints a table of what each measured; QUIRE_CLUSTER_RESULTS=<file> also writes it as JSON;
 * QUIRE_CLUSTER_KEEP=1 keeps the temporary folder (logs, data, replicas) to look at.
 *
 * Needs a production build (`npm run build`), PostgreSQL's server programs, HAProxy
 * (/usr/sbin/haproxy) and Litestream 0.3. Every process is stopped at the end, whatever happens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TestCluster } from './test-cluster/cluster';
import {
  CheckFailed,
  checkDrain,
  checkMoveUnderLoad,
  checkRouting,
  measureCapacity,
  type Fixture,
  type Measured,
} from './test-cluster/checks';
import { checkKillAndFailover, checkPostgresRestart, checkStaleNodeBack } from './test-cluster/failures';
import { Session } from './test-cluster/http';
import { killEverything, ROOT } from './test-cluster/processes';

type Outcome = { check: string; passed: boolean; seconds: number; measured: Measured; failure?: string; skipped?: boolean };

const CHECKS: [string, (fixture: Fixture) => Promise<Measured>][] = [
  ['1 routing', checkRouting],
  ['capacity after 1', measureCapacity],
  ['2 move under load', checkMoveUnderLoad],
  ['3 kill -9, failover', checkKillAndFailover],
  ['4 killed node back', checkStaleNodeBack],
  ['5 PostgreSQL restart', checkPostgresRestart],
  ['6 drain', checkDrain],
];

/** No check runs longer than this: a hang is a failure, not a test that never ends. */
const CHECK_TIMEOUT_MS = 5 * 60 * 1000;

async function main(): Promise<number> {
  for (const built of ['dist/server.mjs', '.next/BUILD_ID']) {
    if (!fs.existsSync(path.join(ROOT, built))) throw new Error(`No production build (${built}): run npm run build first.`);
  }
  const started = Date.now();
  console.log('Starting PostgreSQL, HAProxy, three nodes and their backup runs…');
  const cluster = await TestCluster.start();
  running = cluster;
  console.log(
    `Cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s (HAProxy on 127.0.0.1:${cluster.proxyPort}, files in ${cluster.dir}).`,
  );
  const outcomes: Outcome[] = [];
  const keep = process.env.QUIRE_CLUSTER_KEEP === '1';
  try {
    const fixture: Fixture = {
      cluster,
      blogsOf: { n1: [], n2: [], n3: [] },
      account: { email: 'owner@example.com', password: 'a long enough passphrase', session: new Session(cluster.proxyPort) },
      accountBlogOn: { n1: '', n2: '', n3: '' },
      failedOver: [],
    };
    for (const [name, check] of CHECKS) {
      // Each check starts from what the ones before left: after a failure, that is unknown.
      const failedBefore = outcomes.find((outcome) => !outcome.passed);
      if (failedBefore) {
        outcomes.push({
          check: name,
          passed: false,
          skipped: true,
          seconds: 0,
          measured: {},
          failure: `not run: ${failedBefore.check} failed`,
        });
        console.log(`SKIP ${name}`);
        continue;
      }
      const outcome = await runCheck(name, () => check(fixture));
      outcomes.push(outcome);
      console.log(`${outcome.passed ? 'PASS' : 'FAIL'} ${name} (${outcome.seconds.toFixed(1)} s)`);
      if (!outcome.passed) {
        console.log(`  ${outcome.failure}`);
        console.log(cluster.logs());
      }
    }
  } finally {
    console.log(keep ? `Stopping; the files stay in ${cluster.dir}.` : 'Stopping everything…');
    await cluster.stop(keep);
  }
  printTable(outcomes);
  const resultsFile = process.env.QUIRE_CLUSTER_RESULTS;
  if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify({ outcomes }, null, 2) + '\n');
  return outcomes.every((outcome) => outcome.passed) ? 0 : 1;
}

async function runCheck(name: string, run: () => Promise<Measured>): Promise<Outcome> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckFailed(`did not finish within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
  });
  try {
    const measured = await Promise.race([run(), timeout]);
    return { check: name, passed: true, seconds: (Date.now() - started) / 1000, measured };
  } catch (error) {
    // A CheckFailed says what was expected; anything else is a fault of the harness or a process.
    const failure = error instanceof CheckFailed ? error.message : String((error as Error).stack ?? error);
    return { check: name, passed: false, seconds: (Date.now() - started) / 1000, measured: {}, failure };
  } finally {
    clearTimeout(timer);
  }
}

function printTable(outcomes: Outcome[]): void {
  const rows = outcomes.flatMap((outcome) => {
    const lines = Object.entries(outcome.measured).map(([what, value]) => [what, String(value)]);
    if (outcome.failure) lines.push(['failure', outcome.failure.split('\n')[0]!]);
    return lines.map(([what, value], i) => [
      i === 0 ? outcome.check : '',
      i === 0 ? (outcome.passed ? 'pass' : outcome.skipped ? 'skip' : 'FAIL') : '',
      what!,
      value!,
    ]);
  });
  const header = ['check', 'result', 'measured', 'value'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  console.log(['', line(header), line(widths.map((width) => '─'.repeat(width))), ...rows.map(line)].join('\n'));
}

// Interrupted (Ctrl-C, a CI timeout): every process group goes with us, and PostgreSQL (a child
// of this process, not in a group of its own) is stopped.
let running: TestCluster | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killEverything();
    const stopped = running ? running.postgres.stop() : Promise.resolve();
    void Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5000))]).finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
