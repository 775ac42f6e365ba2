import { and, eq, sql } from 'drizzle-orm';
import { controlDb } from '@/lib/db/control';
import { memberships, users, type Role } from '@/lib/db/schema/control';
import { InputError } from '@/lib/input';

export type Member = { userId: number; email: string; role: Role; since: Date };

export async function listMembers(blogId: number): Promise<Member[]> {
  return controlDb()
    .orm.select({ userId: users.id, email: users.email, role: memberships.role, since: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.blogId, blogId))
    .orderBy(memberships.role, users.email)
    .all();
}

/** Removes a member. A blog always keeps at least one owner. */
export async function removeMember(blogId: number, userId: number): Promise<void> {
  await controlDb().transaction(async (tx) => {
    const member = await tx
      .select()
      .from(memberships)
      .where(and(eq(memberships.blogId, blogId), eq(memberships.userId, userId)))
      .get();
    if (!member) throw new InputError('That person is not a member of this blog.');
    if (member.role === 'owner') {
      const owners = await tx
        .select({ n: sql<number>`count(*)` })
        .from(memberships)
        .where(and(eq(memberships.blogId, blogId), eq(memberships.role, 'owner')))
        .get();
      if (owners!.n <= 1) throw new InputError('A blog needs at least one owner; this is the last one.');
    }
    await tx
      .delete(memberships)
      .where(and(eq(memberships.blogId, blogId), eq(memberships.userId, userId)))
      .run();
  });
}
