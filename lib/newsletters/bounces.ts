import { eq } from 'drizzle-orm';
import { placedHere } from '@/lib/cluster/fence';
import { controlDb } from '@/lib/db/control';
import { openTenant } from '@/lib/db/pool';
import { blogs } from '@/lib/db/schema/control';
import type { PermanentFailure } from '@/lib/mail/sender';
import { markBounced } from './subscribers';

/**
 * The sender's `onPermanentFailure` (lib/server/main.ts): a newsletter the reader's mail server
 * refused for good marks that reader bounced in the blog's own file, so the next post skips them.
 * Other mail, and a blog gone since, need nothing.
 */
export async function recordBounce({ mail, error }: PermanentFailure): Promise<void> {
  const message = mail.message;
  if (message.kind !== 'newsletter' || mail.subscriberId === null || message.blogId === null) return;
  const blog = await controlDb()
    .orm.select({ slug: blogs.slug, status: blogs.status })
    .from(blogs)
    .where(eq(blogs.id, message.blogId))
    .get();
  if (!blog || blog.status === 'deleted') return;
  if (!placedHere(blog.slug)) {
    // In a cluster the sender may run on another node than the blog's file: the reason stays on
    // the outbox row, and the reader is not marked (docs/scale-out.md, "Known limits").
    console.error(`[quire] mail: a reader of ${blog.slug} bounced; the blog's file is on another node, so they stay subscribed`);
    return;
  }
  try {
    markBounced(openTenant(blog.slug), mail.subscriberId, error);
  } catch (failure) {
    // A blog being moved or restored right now: the row stays failed in the outbox, with its reason.
    console.error(`[quire] mail: could not mark a bounced reader of ${blog.slug}:`, failure);
  }
}
