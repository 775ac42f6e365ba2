import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, formatTime, timeZoneNames, toInstant, toLocalDateTime } from './zone';

describe('canonicalTimeZone', () => {
  it('accepts the zones the runtime lists, and UTC', () => {
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(timeZoneNames()[0]).toBe('UTC');
    expect(timeZoneNames()).toContain('America/New_York');
  });

  it('resolves the aliases a browser may report to the listed name', () => {
    expect(canonicalTimeZone('Etc/UTC')).toBe('UTC');
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(timeZoneNames()).toContain(canonicalTimeZone('Europe/Kyiv'));
  });

  it.each(['', 'Mars/Olympus_Mons', '+01:00', 'x'.repeat(65), 42, null, undefined, 'Europe/Paris\n'])('refuses %j', (name) => {
    expect(canonicalTimeZone(name)).toBeUndefined();
  });
});

describe('formatTime', () => {
  const instant = Date.UTC(2026, 2, 8, 7, 30); // 2026-03-08T07:30Z, minutes after New York moved its clocks
  it('shows the time in the zone, naming it', () => {
    // ICU puts a narrow no-break space before AM in some versions, a space in others.
    expect(formatTime(instant, 'UTC')).toMatch(/^Mar 8, 2026, 7:30\sAM UTC$/);
    expect(formatTime(instant, 'America/New_York')).toMatch(/^Mar 8, 2026, 3:30\sAM EDT$/);
    expect(formatTime(new Date(instant), 'Asia/Tokyo')).toMatch(/^Mar 8, 2026, 4:30\sPM GMT\+9$/);
  });
});

describe('toInstant', () => {
  it('reads a wall-clock time in the zone', () => {
    expect(toInstant('2026-07-01T09:30', 'UTC')?.toISOString()).toBe('2026-07-01T09:30:00.000Z');
    expect(toInstant('2026-07-01T09:30', 'Europe/Paris')?.toISOString()).toBe('2026-07-01T07:30:00.000Z');
    expect(toInstant('2026-01-01T09:30:15', 'Europe/Paris')?.toISOString()).toBe('2026-01-01T08:30:15.000Z');
    expect(toInstant('2026-01-01T00:00', 'Asia/Kolkata')?.toISOString()).toBe('2025-12-31T18:30:00.000Z');
    expect(toInstant('2026-01-01T00:00', 'Pacific/Chatham')?.toISOString()).toBe('2025-12-31T10:15:00.000Z');
  });

  it('reads a time the clocks skipped as that much later, and a time that happens twice as the first', () => {
    // New York, 2026-03-08: 02:00 EST became 03:00 EDT.
    expect(toInstant('2026-03-08T02:30', 'America/New_York')?.toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(toInstant('2026-03-08T03:30', 'America/New_York')?.toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(toInstant('2026-03-08T01:30', 'America/New_York')?.toISOString()).toBe('2026-03-08T06:30:00.000Z');
    // New York, 2026-11-01: 01:00–02:00 happens in EDT, then again in EST.
    expect(toInstant('2026-11-01T01:30', 'America/New_York')?.toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(toInstant('2026-11-01T02:30', 'America/New_York')?.toISOString()).toBe('2026-11-01T07:30:00.000Z');
  });

  it.each([
    '',
    '2026-02-30T10:00',
    '2026-13-01T10:00',
    '2026-01-01T24:00',
    '2026-01-01 10:00',
    '2026-01-01T10:00Z',
    '1e3',
    '2026-01-01T10:60',
  ])('is undefined for %j', (text) => expect(toInstant(text, 'UTC')).toBeUndefined());

  it('is the reverse of toLocalDateTime', () => {
    for (const zone of ['UTC', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu']) {
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 7 * 60 * 60 * 1000 + 60_000 * 17) {
        const minute = Math.floor(t / 60_000) * 60_000;
        const local = toLocalDateTime(minute, zone);
        const back = toInstant(local, zone)!;
        // Exact, except in the hour that happens twice, where the first of the two is meant.
        expect(toLocalDateTime(back, zone), `${zone} ${local}`).toBe(local);
        expect(back.getTime() <= minute).toBe(true);
      }
    }
  });
});
