import Link from 'next/link';
import type { ReactNode } from 'react';
import { pendingCommentCount } from '@/lib/comments/comments';
import { blogBaseUrl } from '@/lib/blogs/address';
import { dashboardBlog } from '@/lib/dashboard/access';
import { blogsOfUser } from '@/lib/members/access';
import { can } from '@/lib/members/roles';
import { NavLink } from './nav-link';

export default async function BlogDashboardLayout(props: { children: ReactNode; params: Promise<{ blog: string }> }) {
  const { blog, role, user, handle } = await dashboardBlog((await props.params).blog, 'read-dashboard');
  const base = `/dashboard/${blog.slug}`;
  const others = (await blogsOfUser(user.id)).filter((other) => other.slug !== blog.slug);
  return (
    <div className="blog-dashboard">
      <nav className="blog-nav" aria-label="Blog">
        <p className="blog-name">{blog.title}</p>
        <NavLink href={base} exact also={`${base}/posts/`}>
          Posts
        </NavLink>
        <NavLink href={`${base}/pages`}>Pages</NavLink>
        {can(role, 'moderate') && (
          <NavLink href={`${base}/comments`}>
            Comments <PendingCount count={pendingCommentCount(handle)} />
          </NavLink>
        )}
        <NavLink href={`${base}/media`}>Media</NavLink>
        <NavLink href={`${base}/stats`}>Stats</NavLink>
        <NavLink href={`${base}/subscribers`}>Subscribers</NavLink>
        {can(role, 'change-settings') && <NavLink href={`${base}/settings`}>Settings</NavLink>}
        {can(role, 'manage-members') && <NavLink href={`${base}/members`}>Members</NavLink>}
        <a href={blogBaseUrl(blog.slug)} target="_blank" rel="noreferrer">
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

/** How many comments wait for moderation, beside the navigation link. */
function PendingCount({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <span className="count" title={`${count} waiting for moderation`}>
      {count}
      <span className="visually-hidden"> pending</span>
    </span>
  );
}
