import { parse as parseYaml } from 'yaml';
import { InputError } from '@/lib/input';

/**
 * YAML front matter (the `---` block at the top of a Markdown file), read the same way for our
 * own Markdown export coming back (lib/export/prepare.ts) and for other sites' Markdown
 * folders (lib/imports/markdown-folder.ts). Here, below both, so neither imports the other.
 */
export type FrontMatter = { meta: Record<string, unknown>; body: string };

/** The file's front matter and the Markdown after it, or undefined when it has no `---` block. */
export function findFrontMatter(text: string, name: string): FrontMatter | undefined {
  // Anchored at the start and lazy up to the first closing line: one pass over the text.
  const match = /^\uFEFF?---[ \t]*\r?\n(?:([\s\S]*?)\r?\n)?---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  if (!match) return undefined;
  return { meta: frontMatterObject(parseYamlSafely(match[1] ?? '', name)), body: match[2]!.replace(/^\r?\n/, '') };
}

/** As findFrontMatter, refusing a file without front matter. */
export function splitFrontMatter(text: string, name: string): FrontMatter {
  const found = findFrontMatter(text, name);
  if (!found) throw new InputError(`${name} has no front matter (the --- block with its title).`);
  return found;
}

export function parseYamlSafely(text: string, name: string): unknown {
  try {
    // Plain data only: no custom tags (an unknown `!!tag` is read as the plain value, quietly),
    // a bound on aliases (the "billion laughs").
    return parseYaml(text, { maxAliasCount: 50, customTags: [], logLevel: 'error' });
  } catch (error) {
    throw new InputError(`${name} has front matter that is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** A mapping, or an empty one for anything else (a list, a scalar, nothing). */
export function frontMatterObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
