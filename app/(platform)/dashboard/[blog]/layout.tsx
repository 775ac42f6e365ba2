import Link from 'next/link';
import type { ReactNode } from 'react';
import { blogUrl } from '@/lib/config';
import { dashboardBlog } from '@/lib/dashboard/access';
import { can } from '@/lib/members/roles';

export default async function BlogDashboardLayout(props: { children: ReactNode; params: Promise<{ blog: string }> }) {
  const { blog, role } = await dashboardBlog((await props.params).blog, 'read-dashboard');
  const base = `/dashboard/${blog.slug}`;
  return (
    <div className="blog-dashboard">
      <nav className="blog-nav" aria-label="Blog">
        <p className="blog-name">{blog.title}</p>
        <Link href={base}>Posts</Link>
        <Link href={`${base}/pages`}>Pages</Link>
        {can(role, 'change-settings') && <Link href={`${base}/settings`}>Settings</Link>}
        {can(role, 'manage-members') && <Link href={`${base}/members`}>Members</Link>}
        <a href={blogUrl(blog.slug)} target="_blank" rel="noreferrer">
          View blog ↗
        </a>
      </nav>
      <div className="blog-main">{props.children}</div>
    </div>
  );
}
