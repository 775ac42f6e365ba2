import { cache } from 'react';
import { publicBlog } from '@/lib/blogs/blogs';

/** One look-up per request, shared by the layout, the page and its metadata. */
export const loadBlog = cache(publicBlog);
