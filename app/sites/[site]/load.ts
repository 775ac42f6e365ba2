import { cache } from 'react';
import { publicBlog } from '@/lib/reader/blog';

/** One look-up per request, shared by the layout, the page and its metadata. */
export const loadBlog = cache(publicBlog);
