import { notFound } from 'next/navigation';

/** Any other path on a blog gets the blog's own 404 page. */
export default function UnknownBlogPath() {
  notFound();
}
