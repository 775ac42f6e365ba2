import { createBlog, findBlog } from '@/lib/blogs/blogs';
import { openTenant } from '@/lib/db/pool';
import { createPost } from '@/lib/posts/posts';

const DAY = 24 * 60 * 60 * 1000;

const POSTS: { title: string; markdown: string; daysAgo: number; tags: string }[] = [
  {
    title: 'Markdown, in full',
    daysAgo: 1,
    tags: 'Markdown, Writing',
    markdown: `Quire renders Markdown once, when you save, and keeps the HTML. Here is what it can show.

## Code

\`\`\`ts
// Every blog is its own SQLite file.
export function blogFile(slug: string): string {
  return \`data/tenants/\${slug}.db\`;
}
\`\`\`

## A table

| Concern    | Choice         | Why                          |
|------------|----------------|------------------------------|
| Storage    | SQLite         | One file per blog            |
| Rendering  | Next.js        | Server-rendered pages        |
| Markdown   | markdown-it    | Linear, GitHub-flavoured     |

## A quote

> The file *is* the blog: download it, open it in any SQLite client, keep it forever.

## Lists

- Readers get fast pages.
- Authors get a dashboard.
- Operators get one small server.

1. Write.
2. Publish.
3. Own it.
`,
  },
  {
    title: 'Why every blog is a file',
    daysAgo: 3,
    tags: 'SQLite, Ownership',
    markdown: `Most platforms keep every blog in one big database. Quire gives each blog its own SQLite
file instead.

### What this buys you

- **Ownership**: your blog is one file you can download.
- **Isolation**: one blog's trouble never spreads to another.
- **Simplicity**: no database server to run.

Read more in the [SQLite documentation](https://sqlite.org/about.html).
`,
  },
  {
    title: 'Hello, world',
    daysAgo: 7,
    tags: 'Writing',
    markdown: `Welcome to the demo blog. This post was written in Markdown and published with
\`quire posts add\`.

Try \`npm run quire -- posts add demo --title "My post" --file post.md\` to add your own.
`,
  },
];

/** Creates the blog "demo" with sample posts. Returns false when it already exists. */
export async function seedDemo(): Promise<boolean> {
  if (await findBlog('demo')) return false;
  await createBlog({
    slug: 'demo',
    title: 'The Quire Demo',
    description: 'A sample blog: every blog on Quire is a single SQLite file.',
  });
  const handle = openTenant('demo');
  const now = Date.now();
  for (const post of POSTS) {
    await createPost(handle, { ...post, publishAt: new Date(now - post.daysAgo * DAY) });
  }
  return true;
}
