import { blogPaths } from '@/lib/blogs/address';
import type { TagRef } from '@/lib/posts/public';

/** A post's tags, each a link to its tag's page. */
export function TagList({ tags }: { tags: TagRef[] }) {
  if (tags.length === 0) return null;
  return (
    <ul className="tags" aria-label="Tags">
      {tags.map((tag) => (
        <li key={tag.slug}>
          <a href={blogPaths.tag(tag.slug)} rel="tag">
            {tag.name}
          </a>
        </li>
      ))}
    </ul>
  );
}
