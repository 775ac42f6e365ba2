import { z } from 'zod';

/** RFC 5321's limit on a path; also what fits a header line. */
export const EMAIL_MAX = 254;

/**
 * An email address as Quire stores and sends to it: trimmed, lower-cased, one plain address
 * (`z.email()` admits no spaces, quotes, angle brackets, commas or line breaks, so an address
 * can never carry a second recipient or a header into a message).
 */
export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(EMAIL_MAX, `An email address is at most ${EMAIL_MAX} characters.`)
  .pipe(z.email('Enter a valid email address.'));
