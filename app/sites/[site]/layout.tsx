import type { ReactNode } from 'react';
import { notFound } from 'next/navigation';
import { loadBlog } from './load';
import '@/app/_styles/highlight.css';
import './theme.css';

// Every blog page reads its blog's file; the front's page cache is what keeps this fast.
export const dynamic = 'force-dynamic';

export default async function BlogLayout(props: { children: ReactNode; params: Promise<{ site: string }> }) {
  const { site } = await props.params;
  const blog = loadBlog(site);
  if (!blog) notFound();
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <a className="site-title" href="/">
            {blog.settings.title}
          </a>
          <nav aria-label="Pages" className="site-nav">
            {blog.nav.map((page) => (
              <a key={page.slug} href={`/${page.slug}`}>
                {page.title}
              </a>
            ))}
            <a href="/search">Search</a>
          </nav>
        </header>
        <main className="site-main">{props.children}</main>
        <footer className="site-footer">
          <p>
            {blog.settings.title} · Published with Quire
          </p>
        </footer>
      </body>
    </html>
  );
}
