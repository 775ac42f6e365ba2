import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { pageMetadata } from '@/lib/seo/metadata';
import { loadPage } from '../load';

type Props = { params: Promise<{ site: string; path: string[] }> };

/** `/<page>`: a static page; any other path gets the blog's own 404 page. */
async function load(params: Props['params']) {
  const { site, path } = await params;
  return path.length === 1 ? loadPage(site, path[0]!) : undefined;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const found = await load(params);
  return found ? pageMetadata(found.blog, found.page) : {};
}

export default async function StaticPage({ params }: Props) {
  const found = await load(params);
  if (!found) notFound();
  return (
    <article className="post">
      <header>
        <h1>{found.page.title}</h1>
      </header>
      {/* Sanitized when the page was saved (lib/markdown). */}
      <div className="prose" dangerouslySetInnerHTML={{ __html: found.page.html }} />
    </article>
  );
}
