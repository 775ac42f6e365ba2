import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { notFound } from 'next/navigation';
import { blogMetadata } from '@/lib/seo/metadata';
import { loadBlog } from './load';
import '@/app/_styles/highlight.css';
import './theme.css';

// Every blog page reads its blog's file; the front's page cache is what keeps this fast.
export const dynamic = 'force-dynamic';

/** The blog's feeds on every page; pages add their own title, canonical URL and cards. */
export async function generateMetadata(props: { params: Promise<{ site: string }> }): Promise<Metadata> {
  const blog = loadBlog((await props.params).site);
  return blog ? blogMetadata(blog) : {};
}

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
          <p>{blog.settings.title} · Published with Quire</p>
        </footer>
      </body>
    </html>
  );
}
