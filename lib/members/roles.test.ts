import { describe, expect, it } from 'vitest';
import { can, type BlogAction } from './roles';

const ALL: BlogAction[] = [
  'read-dashboard',
  'write-posts',
  'write-pages',
  'moderate',
  'change-settings',
  'manage-members',
  'export',
  'import',
  'delete-blog',
];

describe('roles', () => {
  it('lets owners do everything', () => {
    expect(ALL.every((action) => can('owner', action))).toBe(true);
  });

  it('lets editors write and moderate but not change the blog itself', () => {
    const allowed = ALL.filter((action) => can('editor', action));
    expect(allowed).toEqual(['read-dashboard', 'write-posts', 'write-pages', 'moderate']);
  });
});
