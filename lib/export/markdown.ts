import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'yaml';
import yazl from 'yazl';
import { readSettings } from '@/lib/blogs/blogs';
import { commentsForExport } from '@/lib/comments/comments';
import { openDetachedTenant, type TenantHandle } from '@/lib/db/pool';
import { mediaPath } from '@/lib/media/media';
import { listAllPages } from '@/lib/pages/pages';
import { authorExcerpt, listPostTags } from '@/lib/posts/posts';

/**
 * The blog as plain files in a zip: `posts/<slug>.md` and `pages/<slug>.md` with YAML front
 * matter, `comments/<post-slug>.yaml` with each post's approved comments, `media/<id>-<name>`,
 * `media.yaml` with the images' descriptions, `quire.yaml` with the settings, and a README.
 * Quire imports this same format back.
 *
 * Runs on a worker thread (lib/export/export.ts) over a snapshot of the blog, writing to `dest`.
 * Each entry is read from the file only when the zip comes to write it (a lazy stream), so
 * memory holds one post or image at a time however big the blog.
 */
export async function writeMarkdownZip({
  source,
  dest,
  slug,
  now,
}: {
  source: string;
  dest: string;
  slug: string;
  now: string;
}): Promise<void> {
  const handle = openDetachedTenant(source, slug);
  try {
    const zip = new yazl.ZipFile();
    const mtime = new Date(now);
    const settings = readSettings(handle);
    const lazy = (make: () => Buffer) =>
      Readable.from(
        (function* () {
          yield make();
        })(),
      );

    zip.addBuffer(Buffer.from(README(slug, mtime)), 'README.md', { mtime });
    zip.addBuffer(
      Buffer.from(
        stringify({
          title: settings.title,
          description: settings.description,
          author_name: settings.authorName,
          posts_per_page: settings.postsPerPage,
          comments: settings.comments,
          time_zone: settings.timeZone,
        }),
      ),
      'quire.yaml',
      { mtime },
    );

    const readPost = handle.sqlite.prepare(
      `select p.id, p.slug, p.title, p.markdown, p.excerpt, p.auto_excerpt, p.status, p.published_at, p.created_at, p.updated_at, m.id as cover_id, m.filename as cover_name
       from posts p left join media m on m.id = p.cover_media_id where p.id = ?`,
    );
    // The trash stays behind (listAllPages leaves trashed pages out too): the blog file carries it.
    const live = handle.sqlite.prepare('select id, slug, updated_at from posts where deleted_at is null order by id');
    for (const { id, slug: postSlug, updated_at } of live.all() as { id: number; slug: string; updated_at: number }[]) {
      zip.addReadStream(
        lazy(() => Buffer.from(postFile(handle, readPost.get(id) as ExportedPostRow))),
        `posts/${postSlug}.md`,
        { mtime: new Date(updated_at) },
      );
      if (commentsForExport(handle, id).length > 0) {
        zip.addReadStream(
          lazy(() => Buffer.from(stringify(commentsForExport(handle, id)))),
          `comments/${postSlug}.yaml`,
          { mtime },
        );
      }
    }
    for (const page of listAllPages(handle)) {
      const meta = { title: page.title, slug: page.slug, status: page.status, nav_order: page.navOrder };
      zip.addBuffer(Buffer.from(withFrontMatter(meta, page.markdown)), `pages/${page.slug}.md`, { mtime: page.updatedAt });
    }
    const readImage = handle.sqlite.prepare('select bytes from media where id = ?').pluck();
    const descriptions: Record<string, string> = {};
    for (const item of handle.sqlite.prepare('select id, filename, created_at, alt from media order by id').all() as {
      id: number;
      filename: string;
      created_at: number;
      alt: string;
    }[]) {
      const name = `media/${item.id}-${item.filename}`;
      zip.addReadStream(
        lazy(() => readImage.get(item.id) as Buffer),
        name,
        { mtime: new Date(item.created_at), compress: false },
      );
      if (item.alt) descriptions[name] = item.alt;
    }
    if (Object.keys(descriptions).length > 0) zip.addBuffer(Buffer.from(stringify(descriptions)), MEDIA_DESCRIPTIONS_FILE, { mtime });
    zip.end();
    await pipeline(zip.outputStream, fs.createWriteStream(dest));
  } finally {
    handle.sqlite.close();
  }
}

type ExportedPostRow = {
  id: number;
  slug: string;
  title: string;
  markdown: string;
  excerpt: string;
  auto_excerpt: string;
  status: string;
  published_at: number | null;
  created_at: number;
  updated_at: number;
  cover_id: number | null;
  cover_name: string | null;
};

function postFile(handle: TenantHandle, post: ExportedPostRow): string {
  const meta = {
    title: post.title,
    slug: post.slug,
    date: post.published_at ? new Date(post.published_at).toISOString() : null,
    status: post.status,
    tags: listPostTags(handle, post.id).map((tag) => tag.name),
    // The author's own only: the automatic one is made again from the text on import.
    excerpt: authorExcerpt({ excerpt: post.excerpt, autoExcerpt: post.auto_excerpt }),
    ...(post.cover_id !== null && post.cover_name !== null ? { cover: mediaPath(post.cover_id, post.cover_name) } : {}),
    created: new Date(post.created_at).toISOString(),
    updated: new Date(post.updated_at).toISOString(),
  };
  return withFrontMatter(meta, post.markdown);
}

/** The zip's entry naming each image's description: `media/<id>-<name>: description`. */
export const MEDIA_DESCRIPTIONS_FILE = 'media.yaml';

function withFrontMatter(meta: Record<string, unknown>, body: string): string {
  return `---\n${stringify(meta)}---\n\n${body}`;
}

const README = (slug: string, now: Date) => `# ${slug}: a Quire blog as plain files

Exported ${now.toISOString()}.

- \`posts/<slug>.md\`: one file per post. Between the \`---\` lines is YAML: title, slug, date
  (publication time, ISO 8601, UTC; empty for drafts), status (draft, published, scheduled),
  tags, excerpt, cover (the post's cover image, if any). After it, the post's Markdown exactly
  as written.
- \`pages/<slug>.md\`: static pages, with their position in the navigation (nav_order).
- \`comments/<post-slug>.yaml\`: the post's approved comments, oldest first: name, website,
  date, and the comment as the reader wrote it (plain text or simple Markdown).
- \`media/<id>-<name>\`: uploaded images, as served (without their camera metadata). Posts
  refer to them as \`/media/<id>/<name>\`; smaller copies are made again on import.
- \`media.yaml\`: the images' descriptions (their alt text), by file name, for those that have one.
- \`quire.yaml\`: the blog's settings (comments: moderated, auto or off; time_zone, an IANA name).

Any Quire server can import this zip back as a blog. For a complete copy (statistics
and the trash included), use the blog-file export instead: one SQLite file that opens anywhere.
`;
