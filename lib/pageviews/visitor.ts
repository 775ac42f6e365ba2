import { hash, randomBytes } from 'node:crypto';

/** YYYY-MM-DD (UTC) of `now`; the current day's string is kept, as every beacon asks it. */
let today = { start: 0, end: 0, day: '' };

export function utcDay(now = Date.now()): string {
  if (now >= today.start && now < today.end) return today.day;
  const day = new Date(now).toISOString().slice(0, 10);
  const start = Date.parse(`${day}T00:00:00.000Z`);
  today = { start, end: start + 86_400_000, day };
  return day;
}

/**
 * The stand-in for "one reader today": a hash of address + user agent + blog with a salt that
 * lives only in this process's memory and changes every day, so yesterday's hashes cannot be
 * linked to today's and nothing identifying is ever written.
 */
let salt = { day: '', value: '' };

export function visitorHash(ip: string, userAgent: string, blog: string, day: string): string {
  if (salt.day !== day) salt = { day, value: randomBytes(32).toString('base64') };
  return hash('sha256', `${salt.value}\n${ip}\n${userAgent}\n${blog}`, 'base64url').slice(0, 16);
}
