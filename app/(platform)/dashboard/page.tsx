import Link from 'next/link';
import { requireUser } from '@/lib/auth/current';
import { blogBaseUrl } from '@/lib/blogs/address';
import { config } from '@/lib/config';
import { blogsOfUser } from '@/lib/members/access';
import { Field, JsonForm } from '@/app/_components/form';
import { ImportForm } from '@/app/_components/upload';
import { BLOG_SLUG_MAX, BLOG_TITLE_MAX } from '@/lib/input/lengths';

export const metadata = { title: 'Your blogs · Quire' };

export default async function BlogsPage() {
  const user = await requireUser();
  const blogs = await blogsOfUser(user.id);
  const owned = blogs.filter((blog) => blog.role === 'owner').length;
  return (
    <main className="page">
      <h1>Your blogs</h1>
      {blogs.length === 0 ? (
        <p>You are not a member of any blog yet.</p>
      ) : (
        <ul className="cards">
          {blogs.map((blog) => (
            <li key={blog.slug}>
              <Link href={`/dashboard/${blog.slug}`} className="card-title">
                {blog.title}
              </Link>
              <span className="muted">
                {blog.role} · <a href={blogBaseUrl(blog.slug)}>{new URL(blogBaseUrl(blog.slug)).host}</a>
              </span>
              {blog.status === 'maintenance' && (
                <p className="error" role="alert">
                  This blog is under maintenance and readers see a &ldquo;back soon&rdquo; page. {blog.statusReason} Your posts are safe: a
                  snapshot was taken before anything changed. The server&rsquo;s operator can fix it with <code>quire migrate</code>.
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      <section>
        <h2>Start another blog</h2>
        {owned >= config().maxBlogsPerUser ? (
          <p className="muted">You own {owned} blogs, the most this server allows.</p>
        ) : (
          <JsonForm action="/api/blogs" submitLabel="Create blog" className="inline-form">
            <Field label="Title" name="title" maxLength={BLOG_TITLE_MAX} required />
            <Field label="Address" name="slug" maxLength={BLOG_SLUG_MAX} hint="a-z, 0-9 and hyphens" required />
          </JsonForm>
        )}
      </section>
      <section>
        <h2>Import a blog</h2>
        <p>
          <Link href="/dashboard/import">Import from WordPress, Ghost, Substack or a Markdown folder</Link>: posts, pages, tags, comments
          and images, as a new blog or into one of yours.
        </p>
        {owned < config().maxBlogsPerUser && (
          <>
            <h3>Import a Quire blog</h3>
            <ImportForm url="/api/blogs/import" submitLabel="Import as a new blog" fields={['slug', 'title']}>
              <Field label="Address for the imported blog" name="slug" maxLength={BLOG_SLUG_MAX} hint="a-z, 0-9 and hyphens" required />
              <Field label="Title (optional: the file's own title otherwise)" name="title" maxLength={BLOG_TITLE_MAX} />
            </ImportForm>
          </>
        )}
      </section>
    </main>
  );
}
