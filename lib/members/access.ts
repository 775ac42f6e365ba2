import { and, eq, ne, sql } from 'drizzle-orm';
import { controlDb } from '@/lib/db/control';
import { blogs, memberships, type Blog, type Role, type User } from '@/lib/db/schema/control';
import { assertServedHere } from '@/lib/cluster/fence';
import { HttpError, forbidden, notFoundError } from '@/lib/http/errors';
import { can, type BlogAction } from './roles';

export type BlogAccess = { blog: Blog; role: Role };

/** The user's role on the blog with this slug, or undefined when they are not a member. */
export async function membershipOf(userId: number, slug: string): Promise<BlogAccess | undefined> {
  return controlDb()
    .orm.select({ blog: blogs, role: memberships.role })
    .from(memberships)
    .innerJoin(blogs, eq(blogs.id, memberships.blogId))
    .where(and(eq(memberships.userId, userId), eq(blogs.slug, slug)))
    .get();
}

/**
 * The gate in front of every dashboard action: the user must be a member of *this* blog with a
 * role that allows the action. A non-member learns nothing, not even that the blog exists.
 */
export async function requireBlogAccess(user: User, slug: string, action: BlogAction): Promise<BlogAccess> {
  const access = await membershipOf(user.id, slug);
  if (!access || access.blog.status === 'deleted') throw notFoundError('There is no such blog in your account.');
  if (!can(access.role, action)) throw forbidden("Only the blog's owner can do this.");
  if (access.blog.status === 'maintenance') {
    throw new HttpError(503, `This blog is under maintenance: ${access.blog.statusReason ?? 'ask the operator'}. Nothing was changed.`);
  }
  assertServedHere(slug);
  return access;
}

export type UserBlog = { slug: string; title: string; role: Role; status: Blog['status']; statusReason: string | null };

export async function blogsOfUser(userId: number): Promise<UserBlog[]> {
  return controlDb()
    .orm.select({ slug: blogs.slug, title: blogs.title, role: memberships.role, status: blogs.status, statusReason: blogs.statusReason })
    .from(memberships)
    .innerJoin(blogs, eq(blogs.id, memberships.blogId))
    .where(and(eq(memberships.userId, userId), ne(blogs.status, 'deleted')))
    .orderBy(blogs.slug)
    .all();
}

export async function ownedBlogCount(userId: number): Promise<number> {
  const row = await controlDb()
    .orm.select({ n: sql<number>`count(*)` })
    .from(memberships)
    .innerJoin(blogs, eq(blogs.id, memberships.blogId))
    // Blogs in the trash count too: deleting and re-creating must not get round the quota.
    .where(and(eq(memberships.userId, userId), eq(memberships.role, 'owner')))
    .get();
  return row!.n;
}

export async function addMembership(userId: number, blogId: number, role: Role): Promise<void> {
  await controlDb().orm.insert(memberships).values({ userId, blogId, role, createdAt: new Date() }).run();
}
