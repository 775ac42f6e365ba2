import { InputError } from '@/lib/input';

/** Line breaks and other control characters: what would let text start a new mail header. */
const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/;

/** The longest subject Quire writes (a blog title and a post title fit). */
const SUBJECT_MAX = 300;

/**
 * Text that goes into a mail header (a subject, a sender's display name): one line, bounded.
 * Refused rather than cleaned, so nobody is surprised by what was sent in their name.
 */
export function headerText(value: string, what: string, max = SUBJECT_MAX): string {
  if (CONTROL.test(value)) throw new InputError(`The ${what} of a mail cannot contain line breaks or control characters.`);
  if (value.length > max) throw new InputError(`The ${what} of a mail is at most ${max} characters.`);
  return value;
}

/**
 * Stored text made into one header line (a post's or blog's title in a subject): line breaks and
 * control characters become spaces, then it is cut to `max`. For text Quire wrote itself; what a
 * person types for a header goes through `headerText`, which refuses instead.
 */
export function oneLine(value: string, max = SUBJECT_MAX): string {
  const line = value.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
