import { blogPaths } from '@/lib/blogs/address';

/** The subscribe form's target and field names: shared by the form (app/sites/[site]) and its route. */
export const SUBSCRIBE_ACTION = blogPaths.subscribe;

export const SUBSCRIBE_FIELDS = {
  email: 'email',
  /** Hidden from people; a bot that fills it in is answered as anyone else, and nothing is done. */
  honeypot: 'website',
} as const;
