import Link from 'next/link';
import type { ReactNode } from 'react';
import { blogUrl } from '@/lib/config';
import { dashboardBlog } from '@/lib/dashboard/access';
import { blogsOfUser } from '@/lib/members/access';
import { can } from '@/lib/members/roles';
import { NavLink } from './nav-link';

export default async function BlogDashboardLayout(props: { children: ReactNode; params: Promise<{ blog: string }> }) {
  const { blog, role, user } = await dashboardBlog((await props.params).blog, 'read-dashboard');
  const base = `/dashboard/${blog.slug}`;
  const others = blogsOfUser(user.id).filter((other) => other.slug !== blog.slug);
  return (
    <div className="blog-dashboard">
      <nav className="blog-nav" aria-label="Blog">
        <p className="blog-name">{blog.title}</p>
        <NavLink href={base} exact also={`${base}/posts/`}>
          Posts
        </NavLink>
        <NavLink href={`${base}/pages`}>Pages</NavLink>
        <NavLink href={`${base}/media`}>Media</NavLink>
        <NavLink href={`${base}/stats`}>Stats</NavLink>
        {can(role, 'change-settings') && <NavLink href={`${base}/settings`}>Settings</NavLink>}
        {can(role, 'manage-members') && <NavLink href={`${base}/members`}>Members</NavLink>}
        <a href={blogUrl(blog.slug)} target="_blank" rel="noreferrer">
          View blog ↗
        </a>
        {others.length > 0 && (
          <details className="switcher">
            <summary>Switch blog</summary>
            {others.map((other) => (
              <Link key={other.slug} href={`/dashboard/${other.slug}`}>
                {other.title}
              </Link>
            ))}
          </details>
        )}
      </nav>
      <div className="blog-main">{props.children}</div>
    </div>
  );
}
