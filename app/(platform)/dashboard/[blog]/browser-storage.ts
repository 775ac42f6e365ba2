'use client';

/**
 * This browser's localStorage, which may be full or switched off (private windows, settings):
 * then nothing is kept, and nothing fails.
 */
export const browserStorage = {
  get(key: string): string | null {
    try {
      return window.localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string): boolean {
    try {
      window.localStorage.setItem(key, value);
      return true;
    } catch {
      return false;
    }
  },
  remove(key: string): void {
    try {
      window.localStorage.removeItem(key);
    } catch {
      // switched off: there is nothing to remove
    }
  },
};
