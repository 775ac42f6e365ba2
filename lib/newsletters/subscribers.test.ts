import { describe, expect, it } from 'vitest';
import { TooManyRequests } from '@/lib/limits';
import { makeTempBlog } from '@/lib/testing/data-dir';
import { countSubscribeRequest, SUBSCRIBE_LIMITS } from './limits';
import {
  confirmSubscription,
  findSubscriberByToken,
  importSubscribersInChunks,
  listSubscribers,
  removeSubscriber,
  requestSubscription,
  subscriberCounts,
  subscribersAfter,
  unsubscribe,
} from './subscribers';
import { subscriberCsvStream } from './transfer';

const blog = makeTempBlog('readers', 'Readers');

describe('the list, a page at a time', () => {
  it('imports in chunks, lists newest first with the id of the next page, removes, and exports every row once', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ email: `r${i}@example.org`, state: 'active' as const }));
    expect(await importSubscribersInChunks(blog(), rows, new Date(), 3)).toEqual({ added: 7, kept: 0 });
    expect(await importSubscribersInChunks(blog(), rows.slice(0, 2), new Date(), 3)).toEqual({ added: 0, kept: 2 });

    const first = listSubscribers(blog(), { limit: 3 });
    expect(first.rows.map((row) => row.email)).toEqual(['r6@example.org', 'r5@example.org', 'r4@example.org']);
    const second = listSubscribers(blog(), { limit: 3, before: first.older });
    expect(second.rows.map((row) => row.email)).toEqual(['r3@example.org', 'r2@example.org', 'r1@example.org']);
    const last = listSubscribers(blog(), { limit: 3, before: second.older });
    expect(last).toEqual({ rows: [expect.objectContaining({ email: 'r0@example.org' })], older: undefined });

    expect(removeSubscriber(blog(), first.rows[0]!.id)).toBe(true);
    expect(removeSubscriber(blog(), first.rows[0]!.id)).toBe(false);
    expect(subscriberCounts(blog()).active).toBe(6);
    expect(subscribersAfter(blog(), 0, 100)).toHaveLength(6);

    const text = await new Response(subscriberCsvStream(blog(), 4)).text();
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('email,name,state,created_at,confirmed_at');
    expect(lines.slice(1, -1).map((line) => line.split(',')[0])).toEqual(
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'].map((r) => `${r}@example.org`),
    );
  });

  it('leaves an address already here in its own state, whatever the import says', async () => {
    requestSubscription(blog(), 'left@example.org');
    await importSubscribersInChunks(blog(), [{ email: 'left@example.org', state: 'active' }]);
    expect(listSubscribers(blog()).rows.find((row) => row.email === 'left@example.org')?.state).toBe('pending');
  });
});

describe('subscribe limits', () => {
  it('counts per client, per email address and per blog', () => {
    const t = 5_000_000;
    for (let i = 0; i < SUBSCRIBE_LIMITS.perIp.limit; i++) countSubscribeRequest('ip-a', `a${i}@example.org`, 'one', t);
    expect(() => countSubscribeRequest('ip-a', 'other@example.org', 'one', t)).toThrow(TooManyRequests);
    for (let i = 0; i < SUBSCRIBE_LIMITS.perEmail.limit; i++) countSubscribeRequest(`ip-b${i}`, 'same@example.org', 'two', t);
    expect(() => countSubscribeRequest('ip-c', 'same@example.org', 'two', t)).toThrow(/This address has been sent several confirmations/);
    const used = SUBSCRIBE_LIMITS.perEmail.limit;
    for (let i = used; i < SUBSCRIBE_LIMITS.perBlog.limit; i++) countSubscribeRequest(`ip-d${i}`, `d${i}@example.org`, 'two', t);
    expect(() => countSubscribeRequest('ip-e', 'e@example.org', 'two', t)).toThrow(/This blog has received many subscriptions/);
    expect(() => countSubscribeRequest('ip-e', 'e@example.org', 'three', t + SUBSCRIBE_LIMITS.perBlog.windowMs)).not.toThrow();
  });
});

describe('double opt-in', () => {
  it('a reader who left and asks again must confirm with a new link: links from old newsletters confirm nothing', () => {
    const { subscriber: first } = requestSubscription(blog(), 'again@example.org');
    expect(confirmSubscription(blog(), first.token)?.state).toBe('active');
    expect(unsubscribe(blog(), first.token)?.state).toBe('unsubscribed');
    const { subscriber: again } = requestSubscription(blog(), 'Again@example.org');
    expect(again).toMatchObject({ id: first.id, state: 'pending' });
    expect(again.token).not.toBe(first.token);
    expect(confirmSubscription(blog(), first.token)).toBeUndefined();
    expect(findSubscriberByToken(blog(), again.token)?.state).toBe('pending');
    expect(confirmSubscription(blog(), again.token)?.state).toBe('active');
  });
});
