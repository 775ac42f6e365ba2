import os from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { HttpError } from '@/lib/http/errors';
import { processWide } from '@/lib/process/shared';

/** argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/**
 * Each hash is ~19 MiB and tens of milliseconds of CPU that anyone can ask for (log-in, sign-up):
 * at most one per core runs at once, a bounded number wait, and beyond that the server says it
 * is busy rather than queueing without end.
 */
const HASHES_WAITING_MAX = 64;

function hashSlots() {
  return processWide('password-hash-slots', () => ({
    running: 0,
    waiting: [] as (() => void)[],
    limit: Math.max(1, os.availableParallelism()),
  }));
}

async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  const slots = hashSlots();
  if (slots.running >= slots.limit) {
    if (slots.waiting.length >= HASHES_WAITING_MAX)
      throw new HttpError(503, 'Too many people are signing in right now. Please try again in a moment.');
    await new Promise<void>((resolve) => slots.waiting.push(resolve));
  } else slots.running++;
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next in line, or free it.
    const next = slots.waiting.shift();
    if (next) next();
    else slots.running--;
  }
}

export function hashPassword(password: string): Promise<string> {
  return withHashSlot(() => hash(password, ARGON2));
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return withHashSlot(async () => {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  });
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN) return `A password needs at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `A password is at most ${PASSWORD_MAX} characters.`;
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 3 && password.toLowerCase().includes(local)) {
    return 'A password must not contain the first part of your email address.';
  }
  return null;
}

/** A fixed hash to verify against when no account matches, so timing does not reveal emails. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword('quire-decoy-password-never-matches');
  return decoy;
}
