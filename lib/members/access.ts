import { and, eq, sql } from 'drizzle-orm';
import { controlDb } from '@/lib/db/control';
import { blogs, memberships, type Blog, type Role, type User } from '@/lib/db/schema/control';
import { forbidden, notFound } from '@/lib/http/errors';
import { can, type BlogAction } from './roles';

export type BlogAccess = { blog: Blog; role: Role };

/** The user's role on the blog with this slug, or undefined when they are not a member. */
export function membershipOf(userId: number, slug: string): BlogAccess | undefined {
  const control = controlDb();
  return control
    .statement('memberships.bySlug', () =>
      control.orm
        .select({ blog: blogs, role: memberships.role })
        .from(memberships)
        .innerJoin(blogs, eq(blogs.id, memberships.blogId))
        .where(and(eq(memberships.userId, sql.placeholder('userId')), eq(blogs.slug, sql.placeholder('slug'))))
        .prepare(),
    )
    .get({ userId, slug });
}

/**
 * The gate in front of every dashboard action: the user must be a member of *this* blog with a
 * role that allows the action. A non-member learns nothing, not even that the blog exists.
 */
export function requireBlogAccess(user: User, slug: string, action: BlogAction): BlogAccess {
  const access = membershipOf(user.id, slug);
  if (!access) throw notFound('There is no such blog in your account.');
  if (!can(access.role, action)) throw forbidden("Only the blog's owner can do this.");
  return access;
}

export type UserBlog = { slug: string; title: string; role: Role; status: Blog['status'] };

export function blogsOfUser(userId: number): UserBlog[] {
  return controlDb()
    .orm.select({ slug: blogs.slug, title: blogs.title, role: memberships.role, status: blogs.status })
    .from(memberships)
    .innerJoin(blogs, eq(blogs.id, memberships.blogId))
    .where(eq(memberships.userId, userId))
    .orderBy(blogs.slug)
    .all();
}

export function ownedBlogCount(userId: number): number {
  return controlDb()
    .orm.select({ n: sql<number>`count(*)` })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), eq(memberships.role, 'owner')))
    .get()!.n;
}

export function addMembership(userId: number, blogId: number, role: Role): void {
  controlDb().orm.insert(memberships).values({ userId, blogId, role, createdAt: new Date() }).run();
}
