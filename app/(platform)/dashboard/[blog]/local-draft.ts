'use client';

import { z } from 'zod';
import { browserStorage } from './browser-storage';

/**
 * Unsaved text kept in this browser (localStorage) on every change, so that a closed tab, a
 * crash or a lost connection loses nothing: the editor offers it back when it opens with it,
 * and forgets it once the server has it. One entry per blog and post or page (or "new").
 */

// `alt` came later: a draft kept before it reads as an undescribed cover.
const chosenCover = z.object({ id: z.number(), filename: z.string(), thumbnailUrl: z.string(), alt: z.string().default('') });

const fieldsSchema = z.object({
  title: z.string(),
  slug: z.string(),
  markdown: z.string(),
  excerpt: z.string(),
  tags: z.string(),
  navOrder: z.number(),
  cover: chosenCover.nullable(),
});

/** What the editor's form holds. */
export type EditorFields = z.infer<typeof fieldsSchema>;

const storedSchema = z.object({
  fields: fieldsSchema,
  /** When it was kept (this browser's clock). */
  keptAt: z.number(),
  /** The version of the document on the server these changes were made to, if it had one. */
  baseVersion: z.number().nullable(),
});

export type KeptDraft = z.infer<typeof storedSchema>;

export function localDraftKey(blog: string, kind: 'post' | 'page', id: number | undefined): string {
  return `quire:unsaved:${blog}:${kind}:${id ?? 'new'}`;
}

export function readLocalDraft(key: string): KeptDraft | undefined {
  const raw = browserStorage.get(key);
  if (raw === null) return undefined;
  try {
    const parsed = storedSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // not ours
  }
}

/** Kept unless storage is full or switched off; the server copy (autosave) is there either way. */
export function keepLocalDraft(key: string, fields: EditorFields, baseVersion: number | undefined): void {
  const kept: KeptDraft = { fields, keptAt: Date.now(), baseVersion: baseVersion ?? null };
  browserStorage.set(key, JSON.stringify(kept));
}

export function forgetLocalDraft(key: string): void {
  browserStorage.remove(key);
}
