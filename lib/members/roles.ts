import type { Role } from '@/lib/db/schema/control';

/**
 * What each role may do on a blog. Editors write and moderate comments; only owners change the
 * blog itself, and only they see its readers' addresses (`manage-subscribers`).
 * Every dashboard route asks `can` on the server, for the blog named in that request.
 */
export type BlogAction =
  | 'read-dashboard'
  | 'write-posts'
  | 'write-pages'
  | 'moderate'
  | 'change-settings'
  | 'manage-members'
  | 'export'
  | 'import'
  | 'manage-subscribers'
  | 'delete-blog';

const EDITOR_ACTIONS: ReadonlySet<BlogAction> = new Set(['read-dashboard', 'write-posts', 'write-pages', 'moderate']);

export function can(role: Role, action: BlogAction): boolean {
  return role === 'owner' || EDITOR_ACTIONS.has(action);
}
