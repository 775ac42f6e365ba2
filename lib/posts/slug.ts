import { z } from 'zod';
import { POST_SLUG_MAX } from '@/lib/input/lengths';

export const POST_SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** "Hello, Wörld!" → "hello-world": the URL part of a post, derived from its title. */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, POST_SLUG_MAX)
    .replace(/-+$/, '');
}

export const postSlugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(POST_SLUG_MAX, `A post address is at most ${POST_SLUG_MAX} characters.`)
  .regex(POST_SLUG_PATTERN, 'A post address uses only a-z, 0-9 and single inner hyphens.');

/** `base`, else `base-2`, `base-3`, … : the first that `isTaken` does not claim. */
export function uniqueSlug(base: string, isTaken: (slug: string) => boolean): string {
  if (!isTaken(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, POST_SLUG_MAX - 1 - String(n).length)}-${n}`;
    if (!isTaken(candidate)) return candidate;
  }
}
