import { blogUrl } from '@/lib/config';
import { findBlog } from '@/lib/blogs/blogs';

export const dynamic = 'force-dynamic';

export default async function Landing() {
  const demo = await findBlog('demo');
  return (
    <main className="landing">
      <h1>Quire</h1>
      <p className="lede">
        Blogs that belong to their authors. Every blog on this server is a single SQLite file that its author can download and open
        anywhere.
      </p>
      <ul className="features">
        <li>Fast, server-rendered pages for readers, on each blog&rsquo;s own subdomain.</li>
        <li>Write in Markdown; code, tables and quotes look right.</li>
        <li>One small server for many blogs, and nothing else to run.</li>
      </ul>
      <p className="actions">
        <a className="button primary" href="/signup">
          Start a blog
        </a>{' '}
        <a className="button" href="/login">
          Log in
        </a>
      </p>
      {demo && (
        <p>
          <a href={blogUrl(demo.slug)}>Read the demo blog →</a>
        </p>
      )}
    </main>
  );
}
