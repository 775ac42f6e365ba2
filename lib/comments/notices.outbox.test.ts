import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

// Mail "configured" before any setting is read; no sender runs, so the outbox only fills.
process.env.QUIRE_SMTP_URL = 'smtp://127.0.0.1:9';
process.env.QUIRE_COMMENT_MAIL_QUIET_MIN = '15';

const { findBlog } = await import('@/lib/blogs/blogs');
const { controlDb } = await import('@/lib/db/control');
const { commentNotices, mailMessages, mailOutbox, users } = await import('@/lib/db/schema/control');
const { comments } = await import('@/lib/db/schema/tenant');
const { addMembership } = await import('@/lib/members/access');
const { createPost } = await import('@/lib/posts/posts');
const { makeTempBlog } = await import('@/lib/testing/data-dir');
const { submitComment, setCommentStatus } = await import('./comments');
const { sendDueDigests, setCommentMail } = await import('./notices');

/**
 * The notices' bookkeeping in control.db, without HTTP or SMTP (notices.integration.test.ts
 * has both): what is queued, counted, and sent as a digest, and that a fault never costs the
 * reader their comment.
 */
const blog = makeTempBlog('busy', 'Busy');
let blogId: number;
const QUIET = 15 * 60_000;

async function person(email: string, verified = true): Promise<number> {
  const { id } = await controlDb()
    .orm.insert(users)
    .values({ email, passwordHash: 'x', createdAt: new Date(), emailVerifiedAt: verified ? new Date() : null })
    .returning({ id: users.id })
    .get();
  await addMembership(id, blogId, 'editor');
  return id;
}
let mod: number;
beforeAll(async () => {
  await createPost(blog(), { title: 'Open post', markdown: 'Say something.' });
  blogId = (await findBlog('busy'))!.id;
  mod = await person('mod@example.org');
  await person('unverified@example.org', false);
});

let ip = 1;
const say = (body: string, at: number) =>
  submitComment(blog(), { post: 'open-post', name: 'Ada', website: '', body }, { ip: `192.0.2.${ip++}` }, new Date(at));
const outbox = () =>
  controlDb()
    .orm.select({ to: mailOutbox.toAddress, subject: mailMessages.subject, text: mailMessages.text })
    .from(mailOutbox)
    .innerJoin(mailMessages, eq(mailMessages.id, mailOutbox.messageId))
    .all();
const state = (userId = mod) => controlDb().orm.select().from(commentNotices).where(eq(commentNotices.userId, userId)).get();

afterEach(() => vi.restoreAllMocks());

describe('comment notices in the outbox', () => {
  const t = Date.now();

  it('queues one mail for the first comment, to verified addresses only, and counts the next ones', async () => {
    await say('One', t);
    await say('Two', t + 1000);
    await say('Three', t + 2000);
    expect(await outbox()).toEqual([
      { to: 'mod@example.org', subject: 'New comment on “Open post” awaiting moderation', text: expect.stringContaining('One') },
    ]);
    expect(await state()).toMatchObject({ lastSentAt: new Date(t), pending: 2 });
  });

  it('sends nothing before the quiet interval is over, then a digest of what still awaits', async () => {
    expect(await sendDueDigests(t + QUIET - 1)).toBe(0);
    const three = blog()
      .orm.select()
      .from(comments)
      .all()
      .find((row) => row.body === 'Three')!;
    setCommentStatus(blog(), three.id, { status: 'approved' }); // moderated meanwhile: not listed
    expect(await sendDueDigests(t + QUIET)).toBe(1);
    const digest = (await outbox())[1]!;
    expect(digest.subject).toBe('1 new comment awaiting moderation on Busy');
    expect(digest.text).toContain('Ada on “Open post”:\nTwo');
    expect(digest.text).not.toContain('Three');
    expect(await state()).toMatchObject({ lastSentAt: new Date(t + QUIET), pending: 0 });
    expect(await sendDueDigests(t + QUIET * 3)).toBe(0);
  });

  it('drops the count of someone who turned the mail off instead of sending it later', async () => {
    await say('Four', t + QUIET + 1000);
    expect((await state())!.pending).toBe(1);
    await setCommentMail(mod, { commentMail: false });
    expect((await state())!.pending).toBe(0);
    expect(await sendDueDigests(t + QUIET * 3)).toBe(0);
    await say('Five', t + QUIET * 4);
    expect(await outbox()).toHaveLength(2);
    await setCommentMail(mod, { commentMail: true });
  });

  it('keeps the comment when the mail cannot be queued, and says why in the log', async () => {
    await person('not an address'); // a row only a broken database could hold
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const before = (await outbox()).length;
    const receipt = await say('Six', t + QUIET * 10);
    expect(receipt.status).toBe('pending');
    expect(
      blog()
        .orm.select()
        .from(comments)
        .all()
        .some((row) => row.body === 'Six'),
    ).toBe(true);
    expect(await outbox()).toHaveLength(before);
    expect((await state())!.lastSentAt).toEqual(new Date(t + QUIET)); // the whole notice was rolled back
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('comment mail for blog "busy"'), expect.anything());
  });
});
