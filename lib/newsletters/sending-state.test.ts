import { describe, expect, it } from 'vitest';
import { sendingSummary, type SendingView } from './sending-state';

const view = (fields: Partial<SendingView>): SendingView => ({
  total: 0,
  sent: 0,
  queued: 0,
  failed: 0,
  waiting: 0,
  waitingUntil: null,
  errors: [],
  ...fields,
});

describe('sendingSummary', () => {
  it('says queued before the first message goes', () => {
    expect(sendingSummary(view({ total: 5, queued: 5 }))).toBe('Queued');
  });

  it('counts what was sent and what failed', () => {
    expect(sendingSummary(view({ total: 1200, sent: 1000, queued: 150, failed: 50 }))).toBe('Sent 1,000 of 1,200 · 50 failed');
  });

  it('names what the daily limit holds back', () => {
    const tomorrow = new Date(Date.now() + 10 * 3600_000).toISOString();
    expect(sendingSummary(view({ total: 6, sent: 4, queued: 2, waiting: 2, waitingUntil: tomorrow }))).toBe(
      'Sent 4 of 6 · 2 waiting for tomorrow’s daily limit',
    );
    const later = new Date(Date.now() + 40 * 3600_000).toISOString();
    expect(sendingSummary(view({ total: 6, queued: 6, waiting: 6, waitingUntil: later }))).toBe('6 waiting for the next days’ daily limit');
  });
});
