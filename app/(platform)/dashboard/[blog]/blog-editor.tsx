import { blogBaseUrl } from '@/lib/blogs/address';
import type { DashboardBlog } from '@/lib/dashboard/access';
import { newsletterInfo } from '@/lib/newsletters/send';
import { Editor, type EditorDocument } from './editor';

/** The editor for a post or page of this blog, with the blog's address prefix and time zone. */
export async function BlogEditor(props: { of: DashboardBlog; kind: 'post' | 'page'; initial: EditorDocument }) {
  const base = blogBaseUrl(props.of.blog.slug);
  const newsletter = props.kind === 'post' ? await newsletterInfo(props.of.blog.id, props.of.handle, props.initial.id) : undefined;
  return (
    <Editor
      timeZone={props.of.settings.timeZone}
      blog={props.of.blog.slug}
      kind={props.kind}
      publicUrl={props.kind === 'post' ? `${base}/posts` : base}
      initial={props.initial}
      newsletter={newsletter}
    />
  );
}
