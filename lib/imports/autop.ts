import { randomBytes } from 'node:crypto';
import { autop } from '@wordpress/autop';

/**
 * WordPress's own `autop` (blank lines → paragraphs, single newlines → `<br />`) for posts
 * written in the classic editor, made safe for hostile text. @wordpress/autop is a chain of
 * regular expressions, several of which take time quadratic in the input on text no real post
 * has (measured at 100,000 characters: a run of spaces 6 s, 13,000 `<pre>` blocks 9 s, `<li`
 * repeated 3 s). Each cause is removed first, by a linear pass that leaves ordinary HTML as it is:
 *
 * - `<pre>` blocks are set aside and put back after (autop puts each back with its own search
 *   from the start of the text), and so are `<script>` and `<style>`, whose text is not HTML;
 * - a run of more than 64 white-space characters becomes one or two newlines (when it has any)
 *   or its first 64 characters, so that no `\s*` scans far (HTML collapses such runs anyway);
 * - a `<` that cannot start a tag (`a < b`), or that comes inside another tag before its `>`
 *   (`<li<li<li`, `title="a<b"`), becomes `&lt;` (the same text to a browser), so every
 *   `<tag[^>]*>` scan stops at the next tag;
 * - an opening `<script`, `<style`, `<svg` or `<math` with no closing tag after it, and a
 *   `[audio`/`[video` left after the shortcodes, lose their `<`/`[` the same way.
 */
export function paragraphs(html: string): string {
  if (html.trim() === '') return '';
  const nonce = randomBytes(6).toString('hex');
  const kept: string[] = [];
  const defused = defuseUnclosed(escapeStrayAngles(boundWhitespace(setAside(html, nonce, kept))));
  const done = autop(defused);
  if (kept.length === 0) return done;
  const placeholder = new RegExp(`<div data-pre-${nonce}="(\\d+)"></div>`, 'g');
  return done.replace(placeholder, (whole, index: string) => kept[Number(index)] ?? whole);
}

/** Elements autop must not change inside: set aside as they are and put back after. */
const SET_ASIDE = [
  { open: '<pre', close: '</pre>' },
  { open: '<script', close: '</script>' },
  { open: '<style', close: '</style>' },
];

/** Each `<pre …>…</pre>` (and script, style) → a block placeholder autop leaves alone. */
function setAside(html: string, nonce: string, kept: string[]): string {
  let out = '';
  let from = 0;
  // Where each opener next occurs at or after `from`: each is searched for again only once passed.
  const next = SET_ASIDE.map(({ open }) => html.indexOf(open));
  for (;;) {
    let which = -1;
    for (let k = 0; k < SET_ASIDE.length; k++) {
      if (next[k] !== -1 && next[k]! < from) next[k] = html.indexOf(SET_ASIDE[k]!.open, from);
      if (next[k] !== -1 && (which === -1 || next[k]! < next[which]!)) which = k;
    }
    if (which === -1) break;
    const start = next[which]!;
    const { close } = SET_ASIDE[which]!;
    const end = html.indexOf(close, start);
    if (end === -1) {
      // Unclosed: left to autop (and to defuseUnclosed); look for the other kinds after it.
      next[which] = -1;
      continue;
    }
    out += `${html.slice(from, start)}<div data-pre-${nonce}="${kept.length}"></div>`;
    kept.push(html.slice(start, end + close.length));
    from = end + close.length;
  }
  return from === 0 ? html : out + html.slice(from);
}

const LONG_WHITESPACE = /\s{65,}/g;

function boundWhitespace(text: string): string {
  return text.replace(LONG_WHITESPACE, (run) => {
    const first = run.indexOf('\n');
    if (first === -1) return run.slice(0, 64);
    return run.indexOf('\n', first + 1) === -1 ? '\n' : '\n\n';
  });
}

function escapeStrayAngles(text: string): string {
  let out = '';
  let from = 0;
  let insideTag = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 62 /* > */) insideTag = false;
    else if (c === 60 /* < */) {
      const next = text.charCodeAt(i + 1);
      const startsTag = isAsciiLetter(next) || next === 47 /* / */ || next === 33 /* ! */ || next === 63; /* ? */
      if (startsTag && !insideTag) insideTag = true;
      else {
        out += `${text.slice(from, i)}&lt;`;
        from = i + 1;
      }
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Elements autop scans to their end tag, and the two shortcodes it scans to their `]`. */
const SCANNED_TO_CLOSE = ['script', 'style', 'svg', 'math'];

function defuseUnclosed(text: string): string {
  for (const name of SCANNED_TO_CLOSE) {
    const lastClose = text.lastIndexOf(`</${name}>`);
    text = replaceFrom(text, `<${name}`, Math.max(lastClose, 0), `&lt;${name}`);
  }
  // autop scans `[audio …` to its `]` when the text has <source> or <track>; a real shortcode
  // is gone by now, so what is left is text.
  for (const name of ['[audio', '[video', '[/audio', '[/video']) text = replaceFrom(text, name, 0, `&#91;${name.slice(1)}`);
  return text;
}

/** Every `needle` at or after `from` replaced, in one pass. */
function replaceFrom(text: string, needle: string, from: number, replacement: string): string {
  let at = text.indexOf(needle, from);
  if (at === -1) return text;
  let out = text.slice(0, at);
  let last = at;
  while (at !== -1) {
    out += text.slice(last, at) + replacement;
    last = at + needle.length;
    at = text.indexOf(needle, last);
  }
  return out + text.slice(last);
}
