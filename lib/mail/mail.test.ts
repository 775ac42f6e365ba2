import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { closeControlDb, controlDb } from '@/lib/db/control';
import { mailOutbox } from '@/lib/db/schema/control';
import { makeTempDataDir } from '@/lib/testing/data-dir';
import { startSmtpRecorder } from '@/lib/testing/smtp';
import {
  dueMail,
  enqueueMail,
  messageDelivery,
  OUTBOX_KEPT_DAYS,
  outboxBacklog,
  outboxSummary,
  pruneOutbox,
  UNSUBSCRIBE_PLACEHOLDER,
} from './outbox';
import { startMailSender, type PermanentFailure } from './sender';
import { sendTestMail } from './transport';

const dataDir = makeTempDataDir();
const smtp = await startSmtpRecorder();
process.env.QUIRE_SMTP_URL = smtp.url;
process.env.QUIRE_MAIL_FROM = 'Quire Test <mail@quire.test>';
process.env.QUIRE_MAIL_PER_SECOND = '200';
const bounced: PermanentFailure[] = [];
const stopSender = startMailSender({ onPermanentFailure: (failure) => bounced.push(failure), idleMs: 100 });

afterAll(async () => {
  await stopSender();
  await smtp.stop();
  await closeControlDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const note = (subject: string) => ({ kind: 'account' as const, subject, text: `Hello.\n\nLeave: ${UNSUBSCRIBE_PLACEHOLDER}` });

describe('the outbox and its sender, over a real SMTP server on loopback', () => {
  it('delivers each recipient its own copy, with its own unsubscribe link and the one-click headers', async () => {
    const id = (await enqueueMail(
      { ...note('Two readers'), html: `<p><a href="${UNSUBSCRIBE_PLACEHOLDER}">Unsubscribe</a></p>`, fromName: 'My "Blog"' },
      [
        { to: 'One@Example.org', unsubscribeUrl: 'http://blog.localhost/unsubscribe?token=aaa' },
        { to: 'two@example.org', unsubscribeUrl: 'http://blog.localhost/unsubscribe?token=bbb' },
      ],
    ))!;
    const [one] = await smtp.waitFor((mail) => mail.to.includes('one@example.org'));
    const [two] = await smtp.waitFor((mail) => mail.to.includes('two@example.org'));
    expect(one!.to).toEqual(['one@example.org']); // nobody sees another reader
    expect(one!.parsed.text).toContain('token=aaa');
    expect(one!.parsed.html).toContain('token=aaa');
    expect(two!.parsed.text).toContain('token=bbb');
    expect(one!.raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(one!.raw).toContain('List-Unsubscribe: <http://blog.localhost/unsubscribe?token=aaa>');
    expect(one!.parsed.from?.value[0]).toEqual({ name: 'My "Blog"', address: 'mail@quire.test' });
    await expect.poll(async () => (await messageDelivery(id)).sent).toBe(2);
  });

  it('refuses header injection in subjects and names, and addresses that are not one plain address', async () => {
    await expect(enqueueMail(note('Hi\r\nBcc: everyone@example.org'), [{ to: 'a@example.org' }])).rejects.toThrow(/line breaks/);
    await expect(enqueueMail({ ...note('Hi'), fromName: 'Blog\nBcc: x@example.org' }, [{ to: 'a@example.org' }])).rejects.toThrow(
      /line breaks/,
    );
    for (const to of ['a@example.org, b@example.org', 'a@example.org\r\nBcc: b@example.org', '<a@example.org>', 'not an address']) {
      await expect(enqueueMail(note('Hi'), [{ to }])).rejects.toThrow(/valid email/);
    }
    expect(await controlDb().orm.select().from(mailOutbox).all()).toHaveLength(2); // only the first test's
  });

  it('marks a recipient the server refuses for good as failed, with its reason, and says so once', async () => {
    smtp.refuse.add('gone@example.org');
    const id = (await enqueueMail(note('Refused'), [{ to: 'gone@example.org', subscriberId: 7 }, { to: 'here@example.org' }]))!;
    await expect.poll(() => messageDelivery(id), { timeout: 10_000 }).toMatchObject({ sent: 1, failed: 1, queued: 0 });
    expect((await messageDelivery(id)).errors).toEqual([{ to: 'gone@example.org', error: expect.stringContaining('No such mailbox') }]);
    expect(bounced.map((failure) => [failure.mail.to, failure.mail.subscriberId])).toEqual([['gone@example.org', 7]]);
  });

  it('fails a message the server refuses after DATA without calling its reader bounced', async () => {
    smtp.refuseMessageTo.add('strict@example.org');
    const id = (await enqueueMail(note('Refused content'), [{ to: 'strict@example.org', subscriberId: 8 }]))!;
    await expect.poll(() => messageDelivery(id), { timeout: 10_000 }).toMatchObject({ failed: 1, queued: 0 });
    expect((await messageDelivery(id)).errors[0]!.error).toContain('refused as spam');
    expect(bounced.map((failure) => failure.mail.to)).toEqual(['gone@example.org']); // still only the RCPT refusal
  });

  it('loses nothing and sends nothing twice when the SMTP server stops mid-send and comes back', async () => {
    const recipients = Array.from({ length: 300 }, (_, i) => ({ to: `reader${i}@example.org` }));
    const id = (await enqueueMail(note('Many'), recipients))!;
    await smtp.waitFor((mail) => mail.parsed.subject === 'Many', 40);
    await smtp.stop();
    const sentWhenStopped = (await messageDelivery(id)).sent;
    expect(sentWhenStopped).toBeLessThan(300);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await messageDelivery(id)).queued).toBeGreaterThan(0);
    await smtp.start();
    await expect.poll(async () => (await messageDelivery(id)).sent, { timeout: 60_000, interval: 500 }).toBe(300);
    const many = smtp.received.filter((mail) => mail.parsed.subject === 'Many');
    const perReader = new Map<string, number>();
    for (const mail of many) perReader.set(mail.to[0]!, (perReader.get(mail.to[0]!) ?? 0) + 1);
    expect(perReader.size).toBe(300);
    expect([...perReader.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(many.map((mail) => mail.messageId)).size).toBe(300);
  }, 90_000);
});

describe('what the operator sees', () => {
  it('the outbox summary counts what was sent, what failed and why', async () => {
    const summary = await outboxSummary();
    expect(summary.queued).toBe(0);
    expect(summary.sentLastDay).toBe(2 + 1 + 300);
    expect(summary.failedLastDay).toBe(2);
    // Rows that waited for the stopped server went in the end: their error is gone with them.
    expect(summary.recentErrors).toEqual([
      { to: 'strict@example.org', state: 'failed', error: expect.stringContaining('refused as spam') },
      { to: 'gone@example.org', state: 'failed', error: expect.stringContaining('No such mailbox') },
    ]);
  });

  it('a test message goes straight to the server, and a refused one says why', async () => {
    const { response } = await sendTestMail('operator@example.org');
    expect(response).toMatch(/^250/);
    await smtp.waitFor((mail) => mail.to[0] === 'operator@example.org' && mail.parsed.subject === 'Quire: a test message');
    await expect(sendTestMail('gone@example.org')).rejects.toThrow(/did not take the message: .*No such mailbox/);
    await expect(sendTestMail('two@example.org, three@example.org')).rejects.toThrow(/valid email/);
  });
});

describe('the outbox over time', () => {
  it('reports its backlog from the index: waiting, and due', async () => {
    const later = new Date(Date.now() + 60 * 60_000);
    await enqueueMail(note('Tomorrow'), [{ to: 'later@example.org', notBefore: later }]);
    expect(await outboxBacklog()).toEqual({ queued: 1, due: 0, oldestDueAt: null });
    expect(await outboxBacklog(later.getTime() + 1)).toMatchObject({ queued: 1, due: 1, oldestDueAt: later.toISOString() });
  });

  it(`forgets finished rows after ${OUTBOX_KEPT_DAYS} days, never a waiting one`, async () => {
    const rows = await controlDb().orm.select().from(mailOutbox).all();
    const farFuture = Date.now() + (OUTBOX_KEPT_DAYS + 1) * 24 * 60 * 60_000;
    expect(await pruneOutbox()).toBe(0);
    expect(await pruneOutbox(farFuture)).toBe(rows.filter((row) => row.state !== 'queued').length);
    expect(await controlDb().orm.select().from(mailOutbox).all()).toEqual(rows.filter((row) => row.state === 'queued'));
  });
});

describe('who goes first', () => {
  it('a person waiting for an account mail goes before a newsletter queued earlier', async () => {
    const at = new Date(Date.now() + 2 * 60 * 60_000); // due later than anything the running sender sees
    await enqueueMail({ kind: 'newsletter', subject: 'News', text: 'x' }, [
      { to: 'n1@example.org', notBefore: at },
      { to: 'n2@example.org', notBefore: at },
    ]);
    await enqueueMail(note('Your reset link'), [{ to: 'person@example.org', notBefore: new Date(at.getTime() + 1000) }]);
    const due = await dueMail(at.getTime() + 2000, 3, new Set());
    // (later@ is the backlog test's account mail, due an hour from then.)
    expect(due.map((mail) => mail.to)).toEqual(['later@example.org', 'person@example.org', 'n1@example.org']);
  });
});
