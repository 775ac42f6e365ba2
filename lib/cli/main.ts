import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { createBlog, findBlog, listBlogs } from '@/lib/blogs/blogs';
import { blogUrl } from '@/lib/config';
import { openTenant } from '@/lib/db/pool';
import { InputError, parseInput } from '@/lib/input';
import { createPost } from '@/lib/posts/posts';
import { blogSlugSchema } from '@/lib/tenancy/slug';
import { seedDemo } from './demo';

/** `quire`: the operator's command line. Bad input → one line on stderr, exit code 1. */
const program = new Command()
  .name('quire')
  .description('Operate a Quire install: blogs, posts, the demo.')
  .exitOverride()
  .configureOutput({ outputError: (message, write) => write(message.replace(/^error: /, 'quire: ')) });

const blogs = program.command('blogs').description('Create and list blogs');

blogs
  .command('create <slug>')
  .description('create a blog, served at <slug>.<root domain>')
  .option('--title <title>', 'the blog title (default: the slug)')
  .option('--description <text>', 'a one-line description shown under the title', '')
  .action((slug: string, options: { title?: string; description: string }) => {
    const blog = createBlog({ slug, title: options.title ?? slug, description: options.description });
    console.log(`Created blog "${blog.title}" at ${blogUrl(blog.slug)}`);
  });

blogs
  .command('list')
  .description('list every blog')
  .option('--json', 'print JSON')
  .action((options: { json?: boolean }) => {
    const rows = listBlogs();
    if (options.json) return console.log(JSON.stringify(rows, null, 2));
    if (rows.length === 0) return console.log('No blogs yet. Create one with: quire blogs create <slug>');
    for (const blog of rows) console.log(`${blog.slug.padEnd(24)} ${blog.status.padEnd(12)} ${blog.title}`);
  });

const postsCommand = program.command('posts').description('Add posts to a blog');

postsCommand
  .command('add <blog>')
  .description('add a post from a Markdown file or standard input')
  .requiredOption('--title <title>', 'the post title')
  .option('--file <path>', 'the Markdown file (default: standard input)')
  .option('--slug <slug>', 'the post address (default: derived from the title)')
  .option('--draft', 'save as a draft instead of publishing')
  .action((blogSlug: string, options: { title: string; file?: string; slug?: string; draft?: boolean }) => {
    const slug = parseInput(blogSlugSchema, blogSlug);
    if (!findBlog(slug)) throw new InputError(`There is no blog "${slug}". See: quire blogs list`);
    const markdown = readMarkdown(options.file);
    const post = createPost(openTenant(slug), {
      title: options.title,
      slug: options.slug,
      markdown,
      draft: options.draft,
    });
    const where = post.status === 'published' ? `${blogUrl(slug)}/posts/${post.slug}` : 'as a draft';
    console.log(`Added "${post.title}" ${post.status === 'published' ? 'at ' : ''}${where}`);
  });

program
  .command('demo')
  .description('create the blog "demo" with a few sample posts (skipped if it exists)')
  .action(() => {
    const created = seedDemo();
    console.log(created ? `Created the demo blog at ${blogUrl('demo')}` : `The demo blog exists: ${blogUrl('demo')}`);
  });

function readMarkdown(file: string | undefined): string {
  if (file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new InputError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`);
    }
  }
  if (process.stdin.isTTY) throw new InputError('Give the Markdown with --file <path> or on standard input.');
  return fs.readFileSync(0, 'utf8');
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander has already printed its own message (usage errors, --help).
  if (!(error instanceof CommanderError)) {
    console.error(`quire: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exitCode = error instanceof CommanderError && error.exitCode === 0 ? 0 : 1;
}
