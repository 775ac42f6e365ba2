import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { InputError, parseInput } from '@/lib/input';
import type { FanOutSummary } from '@/lib/rollout/fanout';
import { printJson, printTable, readStdin } from './output';

// Output piped into a reader that stops early (`quire blogs list | head -1`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

/**
 * `quire`: the operator's command line. Human output by default, `--json` for scripts, a
 * progress bar on long work. Bad input → one line on stderr and exit code 1. Each command
 * imports the library it uses when it runs (`await import(…)`), so that `quire --help` loads
 * nothing but commander, and a light command not what others need (sharp, argon2, Markdown).
 */
const program = new Command()
  .name('quire')
  .description('Operate a Quire install: blogs, users, schema migrations, snapshots, backups.')
  .exitOverride()
  .configureOutput({ outputError: (message, write) => write(message.replace(/^error: /, 'quire: ')) });

let ranCommand = false;
program.hook('preAction', () => {
  ranCommand = true;
});

// Two descriptions show the install's settings (lib/config, which reads the environment with
// zod): they are filled in once a command is picked, before it runs or prints its own help.
program.hook('preSubcommand', async () => {
  const { config } = await import('@/lib/config');
  const cfg = config();
  deleteCommand.description(`move a blog to the trash (restorable for QUIRE_TRASH_DAYS, now ${cfg.trashDays} days)`);
  snapshotCommand.description(`take a consistent copy under data/backups/<slug>/ (keeps ${cfg.snapshotKeep}, or ${cfg.snapshotDays} days)`);
});

/** A blog's public address (lib/config). */
async function addressOf(slug: string): Promise<string> {
  const { blogUrl } = await import('@/lib/config');
  return blogUrl(slug);
}

async function slugArg(value: string) {
  const { blogSlugSchema } = await import('@/lib/tenancy/slug');
  return parseInput(blogSlugSchema, value);
}
async function liveBlog(value: string) {
  const slug = await slugArg(value);
  const { findBlog } = await import('@/lib/blogs/blogs');
  const blog = await findBlog(slug);
  if (!blog || blog.status === 'deleted') throw new InputError(`There is no blog "${slug}". See: quire blogs list`);
  return blog;
}

// ── blogs ────────────────────────────────────────────────────────────────────────────────
const blogs = program.command('blogs').description('Create, list, delete, restore and rename blogs');

blogs
  .command('list')
  .description('every blog: size on disk, posts, last write, schema version, status')
  .option('--json', 'print JSON')
  .option('--all', 'include blogs in the trash')
  .action(async (options: { json?: boolean; all?: boolean }) => {
    const { describeBlogs, formatBytes } = await import('@/lib/ops/inventory');
    const rows = await describeBlogs({ includeDeleted: options.all });
    if (options.json) return printJson(rows);
    printTable(
      rows.map((b) => ({
        slug: b.slug,
        title: b.title,
        size: formatBytes(b.sizeBytes),
        posts: b.posts,
        'last write': b.lastWrite?.slice(0, 16).replace('T', ' ') ?? null,
        schema: b.schemaVersion,
        status: b.problem ? `${b.status} (${b.problem})` : b.status,
      })),
      'No blogs yet. Create one with: quire blogs create <slug>',
    );
  });

blogs
  .command('create <slug>')
  .description('create a blog, served at <slug>.<root domain>')
  .option('--title <title>', 'the blog title (default: the slug)')
  .option('--description <text>', 'a one-line description shown under the title', '')
  .action(async (slug: string, options: { title?: string; description: string }) => {
    const { createBlog } = await import('@/lib/blogs/blogs');
    const blog = await createBlog({ slug, title: options.title ?? slug, description: options.description });
    console.log(`Created blog "${blog.title}" at ${await addressOf(blog.slug)}`);
  });

const deleteCommand = blogs
  .command('delete <slug>')
  .description('move a blog to the trash (restorable for QUIRE_TRASH_DAYS days)')
  .action(async (slug: string) => {
    const blog = await liveBlog(slug);
    const [{ findBlog }, { softDeleteBlog, withBlogOffline }] = await Promise.all([
      import('@/lib/blogs/blogs'),
      import('@/lib/blogs/lifecycle'),
    ]);
    await withBlogOffline(blog.slug, async () => softDeleteBlog((await findBlog(blog.slug))!));
    console.log(`Moved "${slug}" to the trash. Undo with: quire blogs restore ${slug}`);
  });

blogs
  .command('restore <slug>')
  .description('bring a deleted blog back from the trash')
  .action(async (slug: string) => {
    const { restoreDeletedBlog } = await import('@/lib/blogs/lifecycle');
    const blog = await restoreDeletedBlog(await slugArg(slug));
    console.log(`Restored "${blog.title}" at ${await addressOf(blog.slug)}`);
  });

blogs
  .command('purge')
  .description('delete for good the blogs in the trash longer than QUIRE_TRASH_DAYS')
  .option('--days <n>', 'purge those older than this many days instead', (v) => Number(v))
  .action(async (options: { days?: number }) => {
    const [{ purgeTrash }, { config }] = await Promise.all([import('@/lib/blogs/lifecycle'), import('@/lib/config')]);
    const purged = await purgeTrash(options.days ?? config().trashDays);
    console.log(purged.length ? `Purged: ${purged.join(', ')}` : 'Nothing in the trash is old enough to purge.');
  });

blogs
  .command('rename <old> <new>')
  .description('give a blog a new address; the old one redirects (301) to it')
  .action(async (oldSlug: string, newSlug: string) => {
    const { renameBlog, withBlogOffline } = await import('@/lib/blogs/lifecycle');
    const old = await liveBlog(oldSlug);
    const blog = await withBlogOffline(old.slug, () => renameBlog(old.slug, newSlug));
    console.log(`Renamed "${oldSlug}" to "${blog.slug}": ${await addressOf(blog.slug)} (the old address redirects)`);
  });

// ── posts, demo ──────────────────────────────────────────────────────────────────────────
program
  .command('posts')
  .description('Add posts to a blog')
  .command('add <blog>')
  .description('add a post from a Markdown file or standard input')
  .requiredOption('--title <title>', 'the post title')
  .option('--file <path>', 'the Markdown file (default: standard input)')
  .option('--slug <slug>', 'the post address (default: derived from the title)')
  .option('--draft', 'save as a draft instead of publishing')
  .action(async (blogSlug: string, options: { title: string; file?: string; slug?: string; draft?: boolean }) => {
    const blog = await liveBlog(blogSlug);
    const markdown = await readMarkdown(options.file);
    const [{ openTenant }, { createPost }] = await Promise.all([import('@/lib/db/pool'), import('@/lib/posts/posts')]);
    const post = await createPost(openTenant(blog.slug), { title: options.title, slug: options.slug, markdown, draft: options.draft });
    const where = post.status === 'published' ? `at ${await addressOf(blog.slug)}/posts/${post.slug}` : 'as a draft';
    console.log(`Added "${post.title}" ${where}`);
  });

program
  .command('demo')
  .description('create the blog "demo" with a few sample posts (skipped if it exists)')
  .action(async () => {
    const { seedDemo } = await import('./demo');
    const created = await seedDemo();
    const address = await addressOf('demo');
    console.log(created ? `Created the demo blog at ${address}` : `The demo blog exists: ${address}`);
  });

// ── users ────────────────────────────────────────────────────────────────────────────────
const usersCommand = program.command('users').description('List, create, reset and disable accounts');

usersCommand
  .command('list')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const { listUsers } = await import('@/lib/accounts/admin');
    const rows = await listUsers();
    if (options.json) return printJson(rows);
    printTable(
      rows.map((u) => ({
        email: u.email,
        created: u.createdAt.toISOString().slice(0, 10),
        blogs: u.blogs,
        status: u.disabled ? 'disabled' : 'active',
      })),
      'No accounts yet.',
    );
  });

usersCommand
  .command('create <email>')
  .description('create an account; prints a generated password unless one is piped in with --password-stdin')
  .option('--password-stdin', 'read the password from standard input')
  .action(async (email: string, options: { passwordStdin?: boolean }) => {
    const { createUserAccount, generatePassword } = await import('@/lib/accounts/admin');
    const password = options.passwordStdin ? (await readStdin()).trim() : generatePassword();
    const user = await createUserAccount(email, password);
    console.log(`Created ${user.email}${options.passwordStdin ? '' : `. Password: ${password}`}`);
  });

usersCommand
  .command('reset-password <email>')
  .description('set a new password (printed, or piped in) and log the account out everywhere')
  .option('--password-stdin', 'read the password from standard input')
  .action(async (email: string, options: { passwordStdin?: boolean }) => {
    const { generatePassword, resetPassword } = await import('@/lib/accounts/admin');
    const password = options.passwordStdin ? (await readStdin()).trim() : generatePassword();
    await resetPassword(email, password);
    console.log(
      `New password for ${email.trim().toLowerCase()}${options.passwordStdin ? ' set' : `: ${password}`}. Every session was logged out.`,
    );
  });

usersCommand
  .command('disable <email>')
  .description('stop an account from logging in, and end its sessions')
  .option('--enable', 'enable it again instead')
  .action(async (email: string, options: { enable?: boolean }) => {
    const { setDisabled } = await import('@/lib/accounts/admin');
    await setDisabled(email, !options.enable);
    console.log(`${email.trim().toLowerCase()} is ${options.enable ? 'enabled' : 'disabled'}.`);
  });

// ── mail ─────────────────────────────────────────────────────────────────────────────────
const mailCommand = program.command('mail').description('The outbox (QUIRE_SMTP_URL): what waits, what failed; a test message');

mailCommand
  .command('status')
  .description('messages waiting in the outbox, sent and failed in the last day, the latest errors')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const { mailEnabled, outboxSummary } = await import('@/lib/mail/outbox');
    const summary = await outboxSummary();
    if (options.json) return printJson({ enabled: mailEnabled(), ...summary });
    console.log(mailEnabled() ? 'Mail is set up (QUIRE_SMTP_URL).' : 'Mail is not set up: QUIRE_SMTP_URL is not set, nothing is sent.');
    console.log(
      `Waiting: ${summary.queued} (${summary.due} due${summary.oldestDue ? `, the oldest since ${summary.oldestDue.toISOString()}` : ''}). ` +
        `Last 24 hours: ${summary.sentLastDay} sent, ${summary.failedLastDay} failed.`,
    );
    if (summary.recentErrors.length) printTable(summary.recentErrors);
  });

mailCommand
  .command('test <address>')
  .description('send one message straight to the SMTP server (not through the outbox) and print its answer')
  .action(async (address: string) => {
    const { sendTestMail } = await import('@/lib/mail/transport');
    const { response } = await sendTestMail(address);
    console.log(`The mail server took it: ${response}`);
  });

// ── cluster ──────────────────────────────────────────────────────────────────────────────
const clusterCommand = program
  .command('cluster')
  .description('Nodes sharing a PostgreSQL control plane (docs/scale-out.md): where each blog lives, moves, failover');

clusterCommand
  .command('status')
  .description('each node (state, last heartbeat, blogs), blogs moving or restoring, and whether HAProxy routes as placed')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const { clusterStatus, DEAD_AFTER_MS } = await import('@/lib/cluster/operations');
    const status = await clusterStatus();
    if (options.json) return printJson(status);
    printTable(
      status.nodes.map((node) => ({
        node: node.id,
        address: node.address,
        state: node.heartbeatAgeMs > DEAD_AFTER_MS && node.state === 'active' ? 'silent' : node.state,
        'heard from': `${Math.round(node.heartbeatAgeMs / 1000)} s ago`,
        blogs: node.blogs,
      })),
    );
    for (const blog of status.changing) console.log(`${blog.slug}: ${blog.state} from ${blog.node} to ${blog.target ?? '?'}`);
    if (status.unplaced.length) console.log(`Not placed on any node: ${status.unplaced.join(', ')}`);
    if (status.routeDifferences !== undefined) {
      console.log(
        status.routeDifferences === 0
          ? 'HAProxy routes every blog to its node.'
          : `HAProxy differs from the placement on ${status.routeDifferences} route(s); a node rewrites them within 30 s.`,
      );
    }
  });

clusterCommand
  .command('move <blog> <node>')
  .description('move a blog to another node: reads go on; writes pause (503) while its file is copied')
  .action(async (value: string, node: string) => {
    const slug = await slugArg(value);
    const { moveBlog } = await import('@/lib/cluster/operations');
    const moved = await moveBlog(slug, node);
    console.log(`Moved ${moved.slug} from ${moved.from} to ${moved.to} (epoch ${moved.epoch}); writes waited ${moved.writesPausedMs} ms.`);
  });

clusterCommand
  .command('drain <node>')
  .description('move every blog off a node, one at a time, to the nodes with the fewest')
  .action(async (node: string) => {
    const { drainNode } = await import('@/lib/cluster/operations');
    const result = await drainNode(node, (done, total, slug) => console.log(`[${done}/${total}] ${slug}`));
    console.log(`Moved ${result.moved.length} blog(s) off ${node}.`);
    for (const failure of result.failed) console.error(`${failure.slug}: ${failure.error}`);
    if (result.failed.length) process.exitCode = 1;
  });

clusterCommand
  .command('failover <node>')
  .description("restore a dead node's blogs onto the others from their replicas, each checked, then route to them")
  .option('--force', 'even if the node was heard from in the last 10 s')
  .option('--json', 'print JSON')
  .action(async (node: string, options: { force?: boolean; json?: boolean }) => {
    const { failoverNode } = await import('@/lib/cluster/operations');
    const onProgress = options.json ? undefined : (done: number, total: number, slug: string) => console.log(`[${done}/${total}] ${slug}`);
    const result = await failoverNode(node, { force: options.force, onProgress });
    if (options.json) printJson(result);
    else console.log(`Restored ${result.restored.length} blog(s) of ${node} in ${result.seconds.toFixed(1)} s.`);
    for (const failure of result.failed) console.error(`${failure.slug}: ${failure.error}`);
    if (result.failed.length) process.exitCode = 1;
  });

// ── migrate ──────────────────────────────────────────────────────────────────────────────
const migrate = program
  .command('migrate')
  .description('Bring every blog file to the current schema')
  .option('--all', 'migrate every blog (snapshot first, resumable, failures isolated)')
  .option('--check', 'dry run: migrate copies of every blog and report which would fail; no live file is touched')
  .option('--json', 'print JSON')
  .action(async (options: { all?: boolean; check?: boolean; json?: boolean }) => {
    if (!options.all && !options.check)
      throw new InputError('Say what to do: quire migrate --all, quire migrate --check, or quire migrate status.');
    const [{ checkAll, migrateAll, migrationStatus }, { progressBar }] = await Promise.all([
      import('@/lib/rollout/fanout'),
      import('./progress'),
    ]);
    const bar = progressBar(options.check ? 'Checking' : 'Migrating', (await migrationStatus()).blogs.length, !options.json);
    const onProgress = (done: number, _total: number, last: { slug: string }) => bar.update(done, last.slug);
    const summary = options.check ? await checkAll(onProgress) : await migrateAll(onProgress);
    bar.stop();
    if (options.json) printJson(summary);
    else printSummary(summary, Boolean(options.check));
    if (summary.failed.length > 0 || summary.notStarted > 0) process.exitCode = 1;
  });

migrate
  .command('status')
  .description("each blog's schema version against the current one")
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const [{ describeBlogs }, { migrationStatus }] = await Promise.all([import('@/lib/ops/inventory'), import('@/lib/rollout/fanout')]);
    const rows = await describeBlogs();
    const target = (await migrationStatus()).target;
    const behind = rows.filter((b) => (b.schemaVersion ?? 0) < target);
    if (options.json) return printJson({ target, blogs: rows.map((b) => ({ slug: b.slug, version: b.schemaVersion, status: b.status })) });
    console.log(`Current schema: ${target}. ${rows.length - behind.length} of ${rows.length} blogs are current.`);
    if (behind.length) printTable(behind.map((b) => ({ slug: b.slug, version: b.schemaVersion, status: b.problem ?? b.status })));
  });

migrate
  .command('rollback <slug>')
  .description('put a blog back to its pre-migration snapshot (warns what is lost)')
  .option('--yes', 'do it without asking')
  .action(async (slug: string, options: { yes?: boolean }) => {
    const [{ withBlogOffline }, { planRollback, rollbackMigration }] = await Promise.all([
      import('@/lib/blogs/lifecycle'),
      import('@/lib/snapshots/snapshots'),
    ]);
    const plan = planRollback((await liveBlog(slug)).slug);
    console.error(`Rolling "${plan.slug}" back to ${plan.snapshot.name}. This loses:\n${plan.lost.map((l) => `  - ${l}`).join('\n')}`);
    if (!options.yes) throw new InputError('Nothing was changed. Run again with --yes to roll back.');
    const kept = await withBlogOffline(plan.slug, () => rollbackMigration(plan));
    console.log(`Rolled back "${plan.slug}". The file it replaced is kept as ${kept}.`);
  });

function printSummary(summary: FanOutSummary, check: boolean): void {
  if (summary.resumed) console.log(`Resumed run ${summary.runId}: ${summary.skippedFromEarlier} blogs were done before it stopped.`);
  const done = check ? `${summary.wouldMigrate.length} would migrate` : `${summary.migrated.length} migrated`;
  console.log(`Schema ${summary.target}: ${done}, ${summary.current.length} already current, ${summary.failed.length} failed.`);
  for (const failure of summary.failed) console.log(`  FAILED ${failure.slug}: ${failure.error}`);
  if (!check && summary.failed.length) console.log('Failed blogs show readers a maintenance page; each has a pre-migration snapshot.');
  if (summary.notStarted > 0) {
    console.log(
      `${summary.notStarted} blogs were not started: free disk space fell below QUIRE_MIN_FREE_MB.` +
        (check ? '' : ' Make room, then run quire migrate --all again to resume.'),
    );
  }
}

// ── import from other platforms ──────────────────────────────────────────────────────
program
  .command('import <blog> <file>')
  .summary('import a WordPress, Ghost, Substack or Markdown-folder export')
  .description(
    'import an export from WordPress (.xml), Ghost (.json or .zip), Substack (.zip) or a zip of Markdown files into <blog>; ' +
      'a blog that does not exist is created from it. --dry-run reads it and says what would happen.',
  )
  .option('--dry-run', 'read the export and report, without writing anything')
  .option('--title <title>', "the title of a new blog (default: the export's)")
  .option('--site-url <url>', "the old site's address, for an export that does not say it (Ghost's), so its images can be fetched")
  .option('--json', 'print the report as JSON')
  .action(async (slugText: string, file: string, options: { dryRun?: boolean; title?: string; siteUrl?: string; json?: boolean }) => {
    const slug = await slugArg(slugText);
    const [
      { findBlog },
      { importOffThread, oldSiteUrlSchema },
      { summariseImport },
      { adoptAsNewBlog },
      paths,
      { bumpGeneration },
      { progressBar },
    ] = await Promise.all([
      import('@/lib/blogs/blogs'),
      import('@/lib/imports/jobs'),
      import('@/lib/imports/summary'),
      import('@/lib/export/import'),
      import('@/lib/db/paths'),
      import('@/lib/pagecache/generation'),
      import('./progress'),
    ]);
    if (!fs.existsSync(file)) throw new InputError(`There is no file ${file}.`);
    const siteUrl = parseInput(oldSiteUrlSchema, options.siteUrl ?? '');
    const existing = await findBlog(slug);
    if (existing?.status === 'deleted') throw new InputError(`The blog "${slug}" is in the trash. See: quire blogs restore`);
    const staging = paths.scratchFile('import', '.db');
    let bar: ReturnType<typeof progressBar> | undefined;
    try {
      const check = options.dryRun
        ? undefined
        : await importOffThread({ upload: path.resolve(file), staging, dryRun: true, siteUrl }, () => {});
      const report = await importOffThread(
        {
          upload: path.resolve(file),
          staging,
          dryRun: Boolean(options.dryRun),
          into: existing ? paths.tenantDbPath(slug) : undefined,
          expected: check && check.posts + check.pages,
          siteUrl,
        },
        (progress) => {
          if (!progress.expected) return;
          bar ??= progressBar('Importing', progress.expected, !options.json);
          bar.update(progress.items, `${progress.images} images`);
        },
      );
      bar?.stop();
      if (!options.dryRun) {
        if (existing) bumpGeneration(slug);
        else await adoptAsNewBlog(undefined, staging, { slug, title: options.title });
      }
      if (options.json) return printJson(report);
      const { headline, lines } = summariseImport(report);
      console.log(headline);
      for (const line of lines) console.log(`  ${line}`);
      for (const failed of report.images.failed)
        console.log(`  image not ${report.dryRun ? 'available' : 'fetched'}: ${failed.url} (${failed.where}: ${failed.reason})`);
      for (const warning of report.warnings) console.log(`  warning: ${warning}`);
      if (report.warningCount > report.warnings.length)
        console.log(`  … and ${report.warningCount - report.warnings.length} more warnings`);
      if (!options.dryRun) console.log(`${existing ? 'Imported into' : 'Created'} ${await addressOf(slug)}`);
    } finally {
      bar?.stop();
      paths.removeQuietly(staging);
    }
  });

// ── snapshots ────────────────────────────────────────────────────────────────────────────
const snapshotCommand = program
  .command('snapshot [slug]')
  .summary('take a consistent copy of a blog, or of every blog')
  .description('take a consistent copy under data/backups/<slug>/')
  .option('--all', 'every blog')
  .option('--json', 'print JSON')
  .action(async (slug: string | undefined, options: { all?: boolean; json?: boolean }) => {
    if (!slug && !options.all) throw new InputError('Name a blog, or use --all.');
    const [{ describeBlogs }, { pruneSnapshots, takeSnapshot }, { progressBar }] = await Promise.all([
      import('@/lib/ops/inventory'),
      import('@/lib/snapshots/snapshots'),
      import('./progress'),
    ]);
    const targets = options.all
      ? (await describeBlogs()).filter((b) => b.status !== 'deleted' && !b.problem).map((b) => b.slug)
      : [(await liveBlog(slug!)).slug];
    const bar = progressBar('Snapshotting', targets.length, targets.length > 1 && !options.json);
    const results: { slug: string; snapshot: string; pruned: string[] }[] = [];
    for (const [index, target] of targets.entries()) {
      results.push({ slug: target, snapshot: await takeSnapshot(target), pruned: pruneSnapshots(target) });
      bar.update(index + 1, target);
    }
    bar.stop();
    if (options.json) return printJson(results);
    for (const r of results) console.log(`${r.slug}: ${r.snapshot}${r.pruned.length ? ` (removed ${r.pruned.length} old)` : ''}`);
  });

program
  .command('restore <slug>')
  .description('put a snapshot back; the current file is snapshotted first, so this can be undone')
  .requiredOption('--from <snapshot>', 'the snapshot file name (see: quire snapshots <slug>)')
  .action(async (slug: string, options: { from: string }) => {
    const blog = await liveBlog(slug);
    const [{ findBlog }, { withBlogOffline }, { restoreSnapshot }] = await Promise.all([
      import('@/lib/blogs/blogs'),
      import('@/lib/blogs/lifecycle'),
      import('@/lib/snapshots/snapshots'),
    ]);
    const kept = await withBlogOffline(blog.slug, async () => restoreSnapshot((await findBlog(blog.slug))!, options.from));
    console.log(`Restored "${blog.slug}" from ${options.from}. The file it replaced is kept as ${kept}.`);
  });

program
  .command('snapshots <slug>')
  .description("list a blog's snapshots")
  .option('--json', 'print JSON')
  .action(async (slug: string, options: { json?: boolean }) => {
    const [{ formatBytes }, { listSnapshots }] = await Promise.all([import('@/lib/ops/inventory'), import('@/lib/snapshots/snapshots')]);
    const rows = listSnapshots(await slugArg(slug));
    if (options.json) return printJson(rows);
    printTable(
      rows.map((s) => ({ name: s.name, size: formatBytes(s.size), taken: s.createdAt.toISOString() })),
      'No snapshots.',
    );
  });

// ── operations ───────────────────────────────────────────────────────────────────────────
program
  .command('doctor')
  .description('check every blog file, and that control.db and the files agree')
  .option('--full', 'integrity_check instead of quick_check (slower)')
  .option('--json', 'print JSON')
  .action(async (options: { full?: boolean; json?: boolean }) => {
    const [{ describeBlogs }, { runDoctor }, { progressBar }] = await Promise.all([
      import('@/lib/ops/inventory'),
      import('@/lib/ops/doctor'),
      import('./progress'),
    ]);
    const bar = progressBar('Checking', (await describeBlogs({ includeDeleted: true })).length, !options.json);
    const report = await runDoctor({ full: options.full, onProgress: (done) => bar.update(done) });
    bar.stop();
    if (options.json) printJson(report);
    else if (report.findings.length === 0) console.log(`All good: ${report.checked} blog files checked.`);
    else {
      console.log(`${report.checked} blog files checked; ${report.findings.length} finding(s):`);
      for (const f of report.findings) console.log(`  ${f.slug ?? f.file}: ${f.problem}`);
    }
    if (report.findings.length > 0) process.exitCode = 1;
  });

program
  .command('litestream-config')
  .description('write a Litestream config naming control.db and every blog file (to replicate: quire backup run)')
  .requiredOption('--replica <url>', 'where backups go, e.g. s3://my-bucket/quire or file:///srv/backups/quire')
  .option('--format <version>', 'the Litestream it is for: 0.3 (one entry per blog, as of now) or 0.5 (watches the folder)', '0.3')
  .option('--sync-interval <duration>', 'how often new writes are sent to the replica (0.3)', '1s')
  .option('--out <file>', 'the file to write', 'litestream.yml')
  .action(async (options: { replica: string; format: string; syncInterval: string; out: string }) => {
    const {
      assertControlFileInstall,
      databasesToReplicate,
      durationSchema,
      litestreamConfigV03,
      litestreamConfigV05,
      openControlReadOnly,
      readBlogs,
      replicaUrlSchema,
    } = await import('@/lib/backup/litestream');
    assertControlFileInstall();
    const replica = parseInput(replicaUrlSchema, options.replica);
    if (options.format === '0.5') {
      fs.writeFileSync(options.out, litestreamConfigV05(replica));
      return console.log(`Wrote ${options.out} for Litestream 0.5+. Run: litestream replicate -config ${options.out}`);
    }
    if (options.format !== '0.3') throw new InputError('--format is 0.3 or 0.5.');
    const syncInterval = parseInput(durationSchema, options.syncInterval);
    const control = openControlReadOnly();
    if (!control) throw new InputError('There is no control.db here yet: start Quire once (or create a blog) first.');
    const dbs = databasesToReplicate(readBlogs(control), replica);
    control.close();
    const header = [
      'Written by `quire litestream-config`, for Litestream 0.3: the blogs as they were then, for',
      'reading or for `litestream restore`. Do not run `litestream replicate` with it: Litestream 0.3',
      'reads this list once, and a blog renamed, deleted or restored from a snapshot could be moved',
      'under it. `quire backup run` runs Litestream with this list kept in step, and lets go of a',
      'file before Quire moves it.',
    ].join('\n');
    fs.writeFileSync(options.out, litestreamConfigV03(dbs, { syncInterval }, header));
    console.log(
      `Wrote ${options.out}: control.db and ${dbs.length - 1} blog(s). To replicate, run instead: quire backup run --replica ${replica}`,
    );
  });

// ── backup ───────────────────────────────────────────────────────────────────────────────
const backup = program.command('backup').description('Continuous backup with Litestream 0.3: run it beside Quire, restore from it');

backup
  .command('run')
  .description('run Litestream beside Quire, restarted with a new list of files whenever blogs are created, renamed, deleted or restored')
  .option(
    '--replica <url>',
    'where backups go, e.g. s3://my-bucket/quire or file:///srv/backups/quire (a cluster node: QUIRE_CLUSTER_REPLICA)',
  )
  .option('--sync-interval <duration>', 'how often new writes are sent to the replica', '1s')
  .option('--snapshot-interval <duration>', "a full snapshot this often (default: Litestream's, as retention needs one)")
  .option('--retention <duration>', "how long snapshots and WAL are kept (default: Litestream's, 24h)")
  .option('--config <file>', 'where to write the Litestream config (default: <data dir>/litestream/litestream.yml)')
  .action(async (options: { replica?: string; syncInterval: string; snapshotInterval?: string; retention?: string; config?: string }) => {
    const [
      { assertControlFileInstall, durationSchema, findLitestream, replicaUrlSchema },
      { superviseLitestream },
      { backupRunDir },
      { config },
    ] = await Promise.all([
      import('@/lib/backup/litestream'),
      import('@/lib/backup/supervisor'),
      import('@/lib/db/paths'),
      import('@/lib/config'),
    ]);
    assertControlFileInstall();
    const given = options.replica ?? config().cluster?.replica;
    if (!given) throw new InputError('Say where backups go: --replica <url> (or QUIRE_CLUSTER_REPLICA on a cluster node).');
    const replica = parseInput(replicaUrlSchema, given);
    const duration = (value: string | undefined) => (value === undefined ? undefined : parseInput(durationSchema, value));
    const settings = {
      syncInterval: duration(options.syncInterval)!,
      snapshotInterval: duration(options.snapshotInterval),
      retention: duration(options.retention),
    };
    const { bin, version } = findLitestream();
    const log = (message: string) => console.log(`[quire backup] ${new Date().toISOString()} ${message}`);
    log(`Litestream ${version} (${bin})`);
    const configFile = options.config ?? path.join(backupRunDir(), 'litestream.yml');
    process.exitCode = await superviseLitestream({ bin, replica, settings, configFile, log });
  });

backup
  .command('restore')
  .description('rebuild a data directory from a replica: control.db, then every blog it lists, each checked')
  .requiredOption('--replica <url>', 'the replica quire backup run wrote to')
  .option('--data-dir <dir>', 'where to restore (default: QUIRE_DATA_DIR); must be empty unless --force')
  .option('--force', 'replace the files the backup has in a directory that is not empty')
  .option('--concurrency <n>', 'blogs restored at once', (v) => Number(v), 4)
  .option('--json', 'print JSON')
  .action(async (options: { replica: string; dataDir?: string; force?: boolean; concurrency: number; json?: boolean }) => {
    const [{ assertControlFileInstall, findLitestream, replicaUrlSchema }, { restoreFromReplica }, { config }, { progressBar }] =
      await Promise.all([import('@/lib/backup/litestream'), import('@/lib/backup/restore'), import('@/lib/config'), import('./progress')]);
    assertControlFileInstall();
    const replica = parseInput(replicaUrlSchema, options.replica);
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1 || options.concurrency > 64)
      throw new InputError('--concurrency is a whole number from 1 to 64.');
    const { bin } = findLitestream();
    const root = path.resolve(options.dataDir ?? config().dataDir);
    let bar: ReturnType<typeof progressBar> | undefined;
    const summary = await restoreFromReplica({
      bin,
      replica,
      root,
      force: Boolean(options.force),
      concurrency: options.concurrency,
      onProgress: (done, total, slug) => {
        bar ??= progressBar('Restoring', total, !options.json);
        bar.update(done, slug);
      },
    });
    bar?.stop();
    if (summary.failed > 0) process.exitCode = 1;
    if (options.json) return printJson(summary);
    const trashed = summary.blogs.filter((b) => b.status === 'deleted').length;
    console.log(
      `Restored control.db and ${summary.blogs.length - summary.failed} of ${summary.blogs.length} blogs${trashed ? ` (${trashed} into the trash)` : ''} into ${root} in ${summary.seconds.toFixed(1)} s; each passed integrity_check.`,
    );
    for (const blog of summary.blogs.filter((b) => !b.ok)) console.log(`  FAILED ${blog.name} (blog ${blog.id}): ${blog.problem}`);
    if (summary.failed > 0) console.log('A blog that failed is missing or damaged in the restored directory (quire doctor lists it).');
  });

async function readMarkdown(file: string | undefined): Promise<string> {
  if (file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new InputError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`);
    }
  }
  if (process.stdin.isTTY) throw new InputError('Give the Markdown with --file <path> or on standard input.');
  return readStdin();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander has already printed its own message (usage errors, --help).
  if (!(error instanceof CommanderError)) {
    // Some refusals carry the operator's numbers too (lib/disk: free space and the margin).
    const detail = (error as { detail?: unknown }).detail;
    console.error(`quire: ${error instanceof Error ? error.message : String(error)}${typeof detail === 'string' ? ` (${detail})` : ''}`);
  }
  process.exitCode = error instanceof CommanderError && error.exitCode === 0 ? 0 : 1;
} finally {
  // Close what the command opened; `quire --help` and usage errors loaded none of it.
  if (ranCommand) {
    const [{ closeWorkerPools }, { closeTenantPool }, { closeControlDb }, { bumpsWritten }] = await Promise.all([
      import('@/lib/workers/pool'),
      import('@/lib/db/pool'),
      import('@/lib/db/control'),
      import('@/lib/pagecache/generation'),
    ]);
    await closeWorkerPools();
    closeTenantPool();
    // On PostgreSQL a page-cache bump is written in the background: before the connection goes.
    await bumpsWritten();
    await closeControlDb();
  }
}
