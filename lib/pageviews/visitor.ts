import { createHash, randomBytes } from 'node:crypto';

/**
 * The stand-in for "one reader today": a hash of address + user agent + blog with a salt that
 * lives only in this process's memory and changes every day, so yesterday's hashes cannot be
 * linked to today's and nothing identifying is ever written.
 */
let salt = { day: '', value: Buffer.alloc(0) };

export function utcDay(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function visitorHash(ip: string, userAgent: string, blog: string, day: string): string {
  if (salt.day !== day) salt = { day, value: randomBytes(32) };
  return createHash('sha256').update(salt.value).update(`${ip}\n${userAgent}\n${blog}`).digest('base64url').slice(0, 16);
}
