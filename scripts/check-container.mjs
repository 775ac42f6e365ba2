#!/usr/bin/env node
// `npm run check:container`: builds the Dockerfile with podman and runs the image the way an
// operator does — a data volume, a blog and a post made with the `quire` command inside the
// container, the post read over HTTP, pageview beacons sent as a browser sends them, a stop with
// SIGTERM (the views still in memory must reach the volume), a second start reading the same
// post. Minutes long (a Next build inside the image), so not part of `npm test`.
//
// The base image, node:20-bookworm-slim, is used as it is when present. Where it cannot be pulled
// (a machine that reaches only npm and Debian's mirror), a stand-in is built and tagged with its
// name: Debian bookworm (debootstrap, from the mirror apt uses here), this machine's Node 20 with
// its headers and npm under /usr/local, and the user `node` (uid 1000), as in the real image.
// docs/architecture.md, "The container image".
//
// Settings: QUIRE_CHECK_PORT (the port the container listens on, on the host's network; default:
// a free one). Logs: tmp/check-container/.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const logDir = path.join(root, 'tmp', 'check-container');

const BASE = 'docker.io/library/node:20-bookworm-slim';
const IMAGE = 'localhost/quire:check';
/** Set on the stand-in base image: a hash of what it was built from, so a re-run reuses it. */
const STAND_IN_LABEL = 'quire.stand-in';
/** Bump when the stand-in's recipe below changes. */
const STAND_IN_RECIPE = 1;
const SUITE = 'bookworm';

/**
 * podman's settings for this kind of machine (a VM with cgroups v1 and no systemd session):
 * cgroupfs, runc, and ulimits no higher than the host's hard limits.
 */
const PODMAN = ['--cgroup-manager=cgroupfs', ...(fs.existsSync('/usr/sbin/runc') ? ['--runtime', '/usr/sbin/runc'] : [])];
const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

const BLOG = 'container-check';
const POST_TITLE = 'Written inside the container';
const POST_MARKDOWN = 'A post added with `quire posts add` through `podman exec`.\n\nIt has to survive a restart.\n';
const BEACONS = 12;
const READER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

class CheckFailed extends Error {}

/** Ends the check: one sentence saying what went wrong, and where to look. */
function fail(sentence, details = '') {
  throw new CheckFailed(details ? `${sentence}\n${details}` : sentence);
}

const say = (line) => console.log(`[check:container] ${line}`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const timings = [];

async function step(name, work) {
  if (interrupted) fail(`interrupted by ${interrupted}`);
  say(`${name}…`);
  const started = Date.now();
  const note = await work();
  const took = Date.now() - started;
  timings.push([name, took]);
  say(`  ${note ? `${note} ` : ''}(${seconds(took)})`);
}

// ── processes ────────────────────────────────────────────────────────────────────────────

/**
 * Runs a command to its end: { code, stdout, stderr }. `log`: also appends its output to that
 * file (then only the last 64 KiB are kept in memory); `onLine`: called with each line of stdout.
 */
function run(command, args, { input, log, onLine, env } = {}) {
  return new Promise((resolve) => {
    // Once interrupted, only the clean-up runs commands.
    if (interrupted && !cleaningUp) return resolve({ code: 130, stdout: '', stderr: `interrupted by ${interrupted}` });
    // Its own process group, so that an interruption stops the command and what it started.
    const child = spawn(command, args, { cwd: root, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    running.add(child);
    const sink = log ? fs.createWriteStream(log, { flags: 'a' }) : undefined;
    const out = { stdout: '', stderr: '' };
    let partial = '';
    const keep = (name) => (chunk) => {
      sink?.write(chunk);
      out[name] += chunk;
      if (log && out[name].length > 128 * 1024) out[name] = out[name].slice(-64 * 1024);
      if (name === 'stdout' && onLine) {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop();
        lines.forEach(onLine);
      }
    };
    child.stdout.setEncoding('utf8').on('data', keep('stdout'));
    child.stderr.setEncoding('utf8').on('data', keep('stderr'));
    child.on('error', (error) => resolve({ code: -1, stdout: '', stderr: error.message }));
    child.on('close', (code, signal) => {
      running.delete(child);
      sink?.end();
      resolve({ code: code ?? (signal ? 128 + os.constants.signals[signal] : -1), ...out });
    });
    child.stdin.on('error', () => {}); // a command that does not read its input
    child.stdin.end(input ?? '');
  });
}

const podman = (args, options) => run('podman', [...PODMAN, ...args], options);

/** podman, which must succeed: otherwise the check ends with `sentence` and podman's own words. */
async function mustPodman(args, sentence, options) {
  const result = await podman(args, options);
  if (result.code !== 0) fail(sentence, tail(result.stderr || result.stdout));
  return result.stdout.trim();
}

const tail = (text, lines = 30) => text.trim().split('\n').slice(-lines).join('\n');

/** The commands running now: stopped first when the check is interrupted. */
const running = new Set();
/** The signal that interrupted the check. */
let interrupted;
let cleaningUp = false;

/** What to undo when the check ends, however it ends (newest first). */
const cleanups = [];
async function cleanUp() {
  cleaningUp = true;
  while (cleanups.length) {
    await cleanups
      .pop()()
      .catch((error) => say(`clean-up: ${error.message}`));
  }
}

// ── the base image ─────────────────────────────────────────────────────────────────────────

/** The URI of Debian's archive that apt uses here, from sources.list (one-line) or .sources (deb822). */
function aptMirror() {
  const dir = '/etc/apt/sources.list.d';
  const files = ['/etc/apt/sources.list', ...(fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(dir, name)) : [])];
  const found = [];
  for (const file of files.filter((name) => /\.(list|sources)$/.test(name) && fs.existsSync(name))) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const fields = Object.fromEntries(
          [...stanza.matchAll(/^([A-Za-z-]+):[ \t]*(.*(?:\n[ \t]+.*)*)/gm)].map(([, key, value]) => [
            key.toLowerCase(),
            value.split(/\s+/).filter(Boolean),
          ]),
        );
        if (fields.enabled?.[0] === 'no' || !fields.types?.includes('deb')) continue;
        for (const uri of fields.uris ?? []) found.push({ uri, suites: fields.suites ?? [] });
      }
    } else {
      for (const [, uri, suite] of text.matchAll(/^[ \t]*deb[ \t]+(?:\[[^\]]*\][ \t]+)?(\S+)[ \t]+(\S+)/gm))
        found.push({ uri, suites: [suite] });
    }
  }
  const mirror = found.find((source) => source.suites.includes(SUITE)) ?? found.find((source) => /\/debian\/?$/.test(source.uri));
  if (!mirror) fail(`No Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/ to build the stand-in base image from.`);
  return mirror.uri;
}

/** This machine's Node 20: the binary, its headers and npm, and its extra certificate authorities. */
function localNode() {
  if (!process.versions.node.startsWith('20.')) {
    fail(`The stand-in for ${BASE} needs this machine's Node to be version 20, and it is ${process.version}.`);
  }
  const binary = fs.realpathSync(process.execPath);
  const prefix = path.dirname(path.dirname(binary));
  const headers = path.join(prefix, 'include', 'node');
  const npm = path.join(prefix, 'lib', 'node_modules', 'npm');
  if (!fs.existsSync(path.join(headers, 'node_version.h')))
    fail(`Node's headers are not in ${headers}: native modules could not be compiled in the image.`);
  if (!fs.existsSync(path.join(npm, 'package.json'))) fail(`npm is not in ${npm}.`);
  // A machine whose TLS goes through an inspecting proxy names its authority here; npm in the
  // image needs it too.
  const extraCa =
    process.env.NODE_EXTRA_CA_CERTS && fs.existsSync(process.env.NODE_EXTRA_CA_CERTS) ? process.env.NODE_EXTRA_CA_CERTS : undefined;
  return { binary, headers, npm, extraCa };
}

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

/** Uses node:20-bookworm-slim as it is, reuses a stand-in built from the same inputs, or builds one. */
async function baseImage() {
  const labels = (await podman(['image', 'inspect', '--format', '{{json .Labels}}', BASE])).stdout.trim();
  const present = labels !== '';
  const standIn = present ? JSON.parse(labels || 'null')?.[STAND_IN_LABEL] : undefined;
  if (present && !standIn) return `using ${BASE} as it is`;

  const mirror = aptMirror();
  const node = localNode();
  const npmVersion = JSON.parse(fs.readFileSync(path.join(node.npm, 'package.json'), 'utf8')).version;
  const inputs = sha256(
    JSON.stringify({
      recipe: STAND_IN_RECIPE,
      suite: SUITE,
      mirror,
      node: sha256(fs.readFileSync(node.binary)),
      headers: fs.readFileSync(path.join(node.headers, 'node_version.h'), 'utf8'),
      npm: npmVersion,
      extraCa: node.extraCa ? sha256(fs.readFileSync(node.extraCa)) : null,
    }),
  ).slice(0, 16);
  if (standIn === inputs) return `reusing the stand-in for ${BASE} (${inputs})`;
  const old = present
    ? await mustPodman(['image', 'inspect', '--format', '{{.Id}}', BASE], `Could not read the old stand-in image.`)
    : undefined;

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-stand-in-'));
  const rootfs = path.join(work, 'rootfs');
  const removeWork = async () => {
    // A debootstrap stopped half-way can leave /proc or /sys mounted inside: unmount before deleting.
    const mounts = fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '');
    for (const mount of mounts.filter((m) => m.startsWith(`${rootfs}/`)).reverse()) await run('umount', ['-l', mount]);
    fs.rmSync(work, { recursive: true, force: true });
  };
  cleanups.push(removeWork);

  say(`  debootstrap --variant=minbase ${SUITE} from ${mirror} (log: ${path.relative(root, path.join(logDir, 'debootstrap.log'))})`);
  const started = Date.now();
  const debootstrap = await run('debootstrap', ['--variant=minbase', SUITE, rootfs, mirror], { log: path.join(logDir, 'debootstrap.log') });
  if (debootstrap.code !== 0)
    fail(`debootstrap could not build Debian ${SUITE} from ${mirror}.`, tail(debootstrap.stdout + debootstrap.stderr));
  say(
    `  Debian ${SUITE} in ${seconds(Date.now() - started)}; adding Node ${process.version} and npm ${npmVersion} from ${path.dirname(path.dirname(node.binary))}`,
  );

  // Laid out as in the real image: everything Node under /usr/local.
  const local = path.join(rootfs, 'usr', 'local');
  fs.mkdirSync(path.join(local, 'bin'), { recursive: true });
  fs.copyFileSync(node.binary, path.join(local, 'bin', 'node'));
  fs.chmodSync(path.join(local, 'bin', 'node'), 0o755);
  fs.cpSync(node.headers, path.join(local, 'include', 'node'), { recursive: true });
  fs.cpSync(node.npm, path.join(local, 'lib', 'node_modules', 'npm'), { recursive: true, verbatimSymlinks: true });
  fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(local, 'bin', 'npm'));
  fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(local, 'bin', 'npx'));
  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `NODE_VERSION=${process.versions.node}`];
  if (node.extraCa) {
    fs.mkdirSync(path.join(local, 'share', 'ca-certificates'), { recursive: true });
    fs.copyFileSync(node.extraCa, path.join(local, 'share', 'ca-certificates', 'quire-stand-in-extra.pem'));
    env.push('NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/quire-stand-in-extra.pem');
  }
  for (const [command, args] of [
    ['groupadd', ['--gid', '1000', 'node']],
    ['useradd', ['--uid', '1000', '--gid', 'node', '--shell', '/bin/bash', '--create-home', 'node']],
  ]) {
    const result = await run('chroot', [rootfs, command, ...args]);
    if (result.code !== 0) fail(`Could not add the user node to the stand-in image (${command}).`, result.stderr);
  }
  fs.rmSync(path.join(rootfs, 'var', 'lib', 'apt', 'lists'), { recursive: true, force: true });
  fs.mkdirSync(path.join(rootfs, 'var', 'lib', 'apt', 'lists', 'partial'), { recursive: true });
  fs.rmSync(path.join(rootfs, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
  fs.mkdirSync(path.join(rootfs, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });

  const tar = path.join(work, 'rootfs.tar');
  const packed = await run('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '-cf', tar, '.']);
  if (packed.code !== 0) fail(`Could not pack the stand-in's files.`, packed.stderr);
  const changes = [...env.map((value) => `ENV ${value}`), `LABEL ${STAND_IN_LABEL}=${inputs}`, 'CMD ["node"]'];
  await mustPodman(
    ['import', ...changes.flatMap((change) => ['--change', change]), tar, BASE],
    `podman could not import the stand-in image.`,
  );
  await removeWork();
  // The stand-in it replaces is ours: remove it unless images built on it still need it.
  if (old) await podman(['rmi', old]);
  return `built a stand-in for ${BASE} (${inputs})`;
}

// ── the image ──────────────────────────────────────────────────────────────────────────────

/** The images, final and intermediate, that a build logged, in the order it made or reused them. */
function imagesOfBuild(log) {
  const ids = [...fs.readFileSync(log, 'utf8').matchAll(/^--> (?:Using cache )?([0-9a-f]{11,64})$/gm)].map(([, id]) => id.slice(0, 11));
  return [...new Set(ids)];
}

/**
 * Removes the images of this folder's previous build that this one no longer uses (the last
 * image, the build stage, the layers of an older lock): podman keeps them as its build cache.
 */
async function removeEarlierBuild(current) {
  const file = path.join(logDir, 'build-images.json');
  const earlier = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : [];
  let removed = 0;
  for (const id of earlier.filter((image) => !current.includes(image)).reverse()) {
    if ((await podman(['rmi', id])).code === 0) removed++;
  }
  fs.writeFileSync(file, JSON.stringify(current));
  return removed;
}

async function buildImage() {
  const log = path.join(logDir, 'build.log');
  fs.rmSync(log, { force: true });
  say(`  podman build --format docker (log: ${path.relative(root, log)})`);
  const started = Date.now();
  const result = await podman(
    ['build', '--format', 'docker', '--pull=never', '--network', 'host', ...LIMITS, '-t', IMAGE, '-f', 'Dockerfile', '.'],
    {
      log,
      onLine: (line) => {
        if (/^(STEP \d+\/\d+|\[\d+\/\d+\] STEP \d+\/\d+):/.test(line))
          say(`  ${seconds(Date.now() - started).padStart(8)}  ${line.slice(0, 120)}`);
      },
    },
  );
  if (result.code !== 0) {
    if (interrupted)
      say(`  an interrupted podman build leaves its working container: see podman ps -a --external, remove with podman rm -f`);
    fail(
      `The image did not build (podman build exited with ${result.code}); the end of ${path.relative(root, log)}:`,
      tail(result.stdout + result.stderr),
    );
  }
  const [inspected] = JSON.parse(await mustPodman(['image', 'inspect', IMAGE], `Could not inspect the image.`));
  const config = inspected.Config ?? {};
  const healthcheck = inspected.Healthcheck;
  if (!healthcheck?.Test?.length) fail(`The image has no HEALTHCHECK (podman keeps it only with --format docker).`);
  if (config.User !== 'node') fail(`The image runs as "${config.User ?? 'root'}", not as the user node.`);
  const removed = await removeEarlierBuild(imagesOfBuild(log));
  return `${IMAGE}, ${(inspected.Size / 1e6).toFixed(0)} MB, runs as node, HEALTHCHECK ${healthcheck.Test.slice(1).join(' ')}${removed ? `; removed ${removed} image${removed === 1 ? '' : 's'} of the previous build` : ''}`;
}

/** What the runtime stage must not carry: compilers, TypeScript tooling, dev dependencies. */
async function inspectContents() {
  const probe = `
    const fs = require('node:fs');
    const { execSync } = require('node:child_process');
    const has = (p) => fs.existsSync(p);
    const onPath = (c) => { try { execSync('command -v ' + c, { stdio: 'ignore', shell: '/bin/sh' }); return true; } catch { return false; } };
    console.log(JSON.stringify({
      top: fs.readdirSync('.').sort(),
      unwanted: ['typescript', 'tsx', 'esbuild', 'vitest', '@playwright/test', 'eslint'].filter((m) => has('node_modules/' + m)),
      compilers: ['g++', 'make', 'python3'].filter(onPath),
      nextCache: has('.next/cache'),
      bytes: Number(execSync('du -sb /app/node_modules /app/.next /app/dist | cut -f1').toString().trim().split('\\n').reduce((a, b) => a + Number(b), 0)),
    }));`;
  const out = await mustPodman(
    ['run', '--rm', '--no-healthcheck', ...LIMITS, '--network', 'none', IMAGE, 'node', '-e', probe],
    `The image's contents could not be listed.`,
  );
  const report = JSON.parse(out);
  if (report.unwanted.length) fail(`The image carries development packages: ${report.unwanted.join(', ')}.`);
  if (report.compilers.length) fail(`The image carries build tools: ${report.compilers.join(', ')}.`);
  if (report.nextCache) fail(`The image carries Next's build cache (.next/cache).`);
  return `/app: ${report.top.join(' ')}; node_modules + .next + dist: ${(report.bytes / 1e6).toFixed(0)} MB; no compilers, no dev packages`;
}

// ── running it ─────────────────────────────────────────────────────────────────────────────

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

async function choosePort() {
  if (process.env.QUIRE_CHECK_PORT) {
    const port = Number(process.env.QUIRE_CHECK_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      fail(`QUIRE_CHECK_PORT must be a port number, and it is "${process.env.QUIRE_CHECK_PORT}".`);
    if (!(await portIsFree(port))) fail(`Port ${port} (QUIRE_CHECK_PORT) is in use on this machine.`);
    return port;
  }
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One HTTP request to the container, on the host's network: { status, headers, body }. */
function request(port, { method = 'GET', host, path: target, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers: { host, ...headers }, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${target} in 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function containerState(name) {
  const out = (await podman(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name])).stdout.trim();
  const [status, exitCode] = out.split(' ');
  return { status, exitCode: Number(exitCode) };
}

/** Waits for /api/health to answer ok; fails at once if the container stops. */
async function waitHealthy(name, port) {
  const deadline = Date.now() + 180_000;
  for (let attempt = 0; ; attempt++) {
    const health = await request(port, { host: `localhost:${port}`, path: '/api/health' }).catch(() => undefined);
    if (health?.status === 200 && JSON.parse(health.body).ok === true) return JSON.parse(health.body);
    if (attempt % 4 === 0) {
      const state = await containerState(name);
      if (state.status !== 'running') {
        const logs = await podman(['logs', name]);
        fail(`The container stopped while starting (exit code ${state.exitCode}); its output:`, tail(logs.stdout + logs.stderr));
      }
    }
    if (Date.now() > deadline)
      fail(`The server in the container did not answer /api/health within 3 minutes.`, tail((await podman(['logs', name])).stdout));
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Runs the `quire` command inside the running container (as its user, node). */
async function quire(name, args, input) {
  const result = await podman(['exec', '-i', name, 'node', 'bin/quire.mjs', ...args], { input });
  if (result.code !== 0) fail(`quire ${args.join(' ')} failed inside the container.`, tail(result.stderr || result.stdout));
  return result.stdout.trim();
}

/** A post page: 200, the post's title and text, and the post id its beacon script carries. */
async function readPost(port, postUrl) {
  const url = new URL(postUrl);
  const page = await request(port, { host: url.host, path: url.pathname });
  if (page.status !== 200) fail(`GET ${postUrl} answered ${page.status}, not 200.`, page.body.slice(0, 500));
  const article = /<article[\s\S]*<\/article>/.exec(page.body)?.[0];
  if (!article?.includes(POST_TITLE) || !article.includes('It has to survive a restart.'))
    fail(`GET ${postUrl} did not show the post's title and text.`);
  const postId = Number(/JSON\.stringify\(\{p:(\d+)/.exec(page.body)?.[1]);
  if (!Number.isInteger(postId) || postId < 1) fail(`The page of ${postUrl} has no pageview beacon naming its post.`);
  return { article, postId };
}

/** A pageview beacon as Chromium's navigator.sendBeacon sends it from the post's page. */
async function sendBeacon(port, postUrl, postId) {
  const url = new URL(postUrl);
  const reply = await request(port, {
    method: 'POST',
    host: url.host,
    path: '/api/pv',
    headers: {
      origin: url.origin,
      referer: postUrl,
      'user-agent': READER,
      'content-type': 'text/plain;charset=UTF-8',
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'no-cors',
      'sec-fetch-dest': 'empty',
    },
    body: JSON.stringify({ p: postId, r: '' }),
  });
  return reply.status;
}

/** The views the blog's file holds for a post, read with the image's own better-sqlite3 from the volume. */
async function viewsOnVolume(volume, postId) {
  const read = `
    const Database = require('better-sqlite3');
    const db = new Database('data/tenants/${BLOG}.db', { readonly: true, fileMustExist: true });
    db.exec('begin');
    const daily = db.prepare('select coalesce(sum(views), 0) as n from daily_views where post_id = ?').get(${postId}).n;
    const post = db.prepare('select views from posts where id = ?').get(${postId}).views;
    db.exec('commit');
    console.log(JSON.stringify({ daily, post }));`;
  const out = await mustPodman(
    ['run', '--rm', '--no-healthcheck', ...LIMITS, '--network', 'none', '-v', `${volume}:/app/data`, IMAGE, 'node', '-e', read],
    `The blog's file could not be read from the volume.`,
  );
  return JSON.parse(out);
}

async function runImage() {
  const port = await choosePort();
  const name = `quire-check-${process.pid}`;
  const volume = `quire-check-data-${process.pid}`;
  const host = `localhost:${port}`;
  let postUrl;
  let first;

  await step(`volume ${volume}`, async () => {
    await mustPodman(['volume', 'create', volume], `podman could not create the volume ${volume}.`);
    cleanups.push(() => podman(['volume', 'rm', '-f', volume]));
  });

  await step(`start the container on port ${port}, wait for /api/health`, async () => {
    cleanups.push(async () => {
      const logs = await podman(['logs', name]);
      fs.writeFileSync(path.join(logDir, 'container.log'), logs.stdout + logs.stderr);
      await podman(['rm', '-f', '-v', '-t', '0', name]);
    });
    await mustPodman(
      // The flush interval is an hour: every view counted in this run is still in memory when
      // the container is stopped, so the stop itself must write them.
      [
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'host',
        ...LIMITS,
        '-v',
        `${volume}:/app/data`,
        '-e',
        `PORT=${port}`,
        '-e',
        'QUIRE_PV_FLUSH_MS=3600000',
        IMAGE,
      ],
      `The container did not start.`,
    );
    await waitHealthy(name, port);
    const pid1 = (await podman(['exec', name, 'cat', '/proc/1/cmdline'])).stdout.split('\0').filter(Boolean).join(' ');
    if (pid1 !== 'node dist/server.mjs')
      fail(`PID 1 in the container is "${pid1}", not node dist/server.mjs: SIGTERM would not reach the server.`);
    return `healthy; PID 1 is ${pid1}`;
  });

  await step(`quire blogs create ${BLOG}, quire posts add (podman exec)`, async () => {
    await quire(name, ['blogs', 'create', BLOG, '--title', 'Container check']);
    const added = await quire(name, ['posts', 'add', BLOG, '--title', POST_TITLE], POST_MARKDOWN);
    postUrl = /\bat (http:\/\/\S+)$/.exec(added)?.[1];
    if (!postUrl) fail(`quire posts add did not say where the post is: "${added}".`);
    return postUrl;
  });

  // The two commands that start worker threads from plain-JavaScript files in lib/, which the
  // Dockerfile copies one by one.
  await step(`quire snapshot ${BLOG}, quire migrate --check (worker threads)`, async () => {
    const snapshot = await quire(name, ['snapshot', BLOG]);
    const check = await quire(name, ['migrate', '--check', '--json']);
    const summary = JSON.parse(check);
    return `${snapshot}; migrate --check: ${JSON.stringify(summary)}`;
  });

  await step(`read the post, send ${BEACONS} pageview beacons`, async () => {
    first = await readPost(port, postUrl);
    const statuses = [];
    for (let i = 0; i < BEACONS; i++) statuses.push(await sendBeacon(port, postUrl, first.postId));
    const acknowledged = statuses.filter((status) => status === 204).length;
    if (acknowledged !== BEACONS) fail(`Of ${BEACONS} beacons, ${acknowledged} were answered 204 (statuses: ${statuses.join(', ')}).`);
    const health = JSON.parse((await request(port, { host, path: '/api/health' })).body);
    if (health.pageviews?.pending !== BEACONS) {
      fail(
        `After ${BEACONS} beacons the server holds ${health.pageviews?.pending} pending views, not ${BEACONS}.`,
        JSON.stringify(health.pageviews),
      );
    }
    return `post ${first.postId}: 200; ${BEACONS} beacons answered 204, ${BEACONS} views pending in memory`;
  });

  await step('podman stop (SIGTERM)', async () => {
    const result = await podman(['stop', '-t', '30', name]);
    if (result.code !== 0) fail(`podman stop failed.`, result.stderr);
    const state = await containerState(name);
    const logs = await podman(['logs', name]);
    const output = logs.stdout + logs.stderr;
    if (state.exitCode !== 0) fail(`The server did not exit cleanly on SIGTERM (exit code ${state.exitCode}); its output:`, tail(output));
    if (!output.includes(`flushed ${BEACONS} pending pageviews`))
      fail(`The server did not flush the ${BEACONS} pending views on SIGTERM; its output:`, tail(output));
    return `exited by itself with code 0 after flushing ${BEACONS} pending views`;
  });

  await step('read the views from the volume', async () => {
    const views = await viewsOnVolume(volume, first.postId);
    if (views.daily !== BEACONS || views.post !== BEACONS) {
      fail(
        `The blog's file holds ${views.daily} daily views and posts.views ${views.post} for the post, not the ${BEACONS} beacons answered.`,
      );
    }
    return `daily_views and posts.views: ${BEACONS}, as acknowledged`;
  });

  await step('podman start again, read the post, run the HEALTHCHECK', async () => {
    await mustPodman(['start', name], `The container did not start again.`);
    await waitHealthy(name, port);
    const again = await readPost(port, postUrl);
    if (again.article !== first.article) fail(`After the restart, ${postUrl} shows a different article.`);
    const check = await podman(['healthcheck', 'run', name]);
    if (check.code !== 0) fail(`The image's HEALTHCHECK failed against the running server.`, check.stdout + check.stderr);
    await mustPodman(['stop', '-t', '30', name], `podman stop failed.`);
    const state = await containerState(name);
    if (state.exitCode !== 0) fail(`The server did not exit cleanly on the second SIGTERM (exit code ${state.exitCode}).`);
    return `200, the same article; HEALTHCHECK healthy; stopped cleanly again`;
  });
}

// ── main ───────────────────────────────────────────────────────────────────────────────────

async function main() {
  const started = Date.now();
  fs.mkdirSync(logDir, { recursive: true });
  const version = await podman(['--version']);
  if (version.code !== 0) fail(`podman is not installed or does not run: ${version.stderr.trim()}`);
  say(`${version.stdout.trim()}; root: ${root}`);
  await step(`base image ${BASE}`, baseImage);
  await step('build the image from the Dockerfile', buildImage);
  await step('what the image carries', inspectContents);
  await runImage();
  say(`passed in ${seconds(Date.now() - started)}:`);
  for (const [name, took] of timings) say(`  ${seconds(took).padStart(9)}  ${name}`);
}

// Interrupted: stop the command running now; the check then ends through its usual clean-up.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    say(`${signal}: stopping, then cleaning up`);
    for (const child of running) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Ended meanwhile.
      }
    }
  });
}

try {
  await main();
} catch (error) {
  if (interrupted) say(`interrupted by ${interrupted}`);
  else console.error(`[check:container] FAILED: ${error instanceof CheckFailed ? error.message : (error?.stack ?? error)}`);
  process.exitCode = interrupted ? 130 : 1;
} finally {
  await cleanUp();
}
