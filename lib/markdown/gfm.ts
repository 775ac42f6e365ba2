import type { MarkdownIt, StateCore, StateInline, Token } from 'markdown-it';

/**
 * The parts of GitHub-flavoured Markdown that markdown-it lacks or writes differently, as small
 * plugins, each linear in the size of the document (render.ts takes Markdown from anyone who
 * signs up): heading ids, task-list checkboxes, `www.` autolinks, `align` on table cells,
 * `<del>` for strikethrough and strikethrough with one tilde.
 */

/**
 * What github-slugger (GitHub's own rule) drops from a heading's text: everything but letters,
 * marks, decimal and letter numbers, connector punctuation (`_`), hyphens and spaces.
 */
const NOT_IN_SLUG = /[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\- ]/gu;

export function slug(text: string): string {
  return text.toLowerCase().replace(NOT_IN_SLUG, '').replace(/ /g, '-');
}

/**
 * Unique slugs as github-slugger makes them: a repeated one gets `-1`, `-2`…, skipping any
 * already taken. Each probe moves one base's counter forward past a slug taken earlier, so a
 * whole document costs linear time however its headings collide.
 */
export class Slugger {
  private readonly taken = new Map<string, number>();

  slug(text: string): string {
    const base = slug(text);
    let result = base;
    while (this.taken.has(result)) {
      const next = this.taken.get(base)! + 1;
      this.taken.set(base, next);
      result = `${base}-${next}`;
    }
    this.taken.set(result, 0);
    return result;
  }
}

/** A heading's plain text as GitHub reads it for the id: text and code, no markup, no images. */
function headingText(children: Token[]): string {
  let text = '';
  for (const token of children) {
    if (token.type === 'text' || token.type === 'code_inline' || token.type === 'text_special') text += token.content;
    else if (token.type === 'softbreak') text += '\n';
  }
  return text;
}

/** `id` on every heading: `## Getting Started` → `id="getting-started"`, unique in the document. */
export function headingIds(md: MarkdownIt): void {
  md.core.ruler.push('heading_ids', (state: StateCore) => {
    const slugger = new Slugger();
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const inline = tokens[i + 1];
      if (tokens[i]!.type === 'heading_open' && inline?.type === 'inline')
        tokens[i]!.attrSet('id', slugger.slug(headingText(inline.children ?? [])));
    }
  });
}

/** `[ ]` or `[x]` and a space at the start of a list item's first paragraph (marked's rule). */
const TASK_MARKER = /^\[([ xX])\][ \t]+(?=\S)/;

/**
 * A list item starting `[ ] ` or `[x] ` gets a disabled checkbox instead of the marker. Runs
 * before inline parsing, so the marker is never read as a link label; the checkbox token goes
 * first among the children the inline parser then fills.
 */
export function taskLists(md: MarkdownIt): void {
  md.core.ruler.before('inline', 'task_lists', (state: StateCore) => {
    const tokens = state.tokens;
    for (let i = 2; i < tokens.length; i++) {
      const inline = tokens[i]!;
      if (inline.type !== 'inline' || tokens[i - 1]!.type !== 'paragraph_open' || tokens[i - 2]!.type !== 'list_item_open') continue;
      const marker = TASK_MARKER.exec(inline.content);
      if (!marker) continue;
      inline.content = inline.content.slice(marker[0].length);
      const checkbox = new state.Token('task_checkbox', 'input', 0);
      checkbox.meta = { checked: marker[1] !== ' ' };
      inline.children = [checkbox];
    }
  });
  md.renderer.rules.task_checkbox = (tokens, idx) => `<input${tokens[idx]!.meta?.checked ? ' checked' : ''} disabled type="checkbox"> `;
}

/**
 * `www.example.com` becomes a link as on GitHub (linkify-it's fuzzy links would also take
 * `README.md` and `node.js` for addresses). The rest after `www.` must be a host, with any port
 * and path, by linkify-it's own patterns.
 */
export function wwwLinks(md: MarkdownIt): void {
  let hostAndPath: RegExp | undefined;
  md.linkify.add('www.', {
    validate(text, pos, self) {
      hostAndPath ??= new RegExp(self.re.get_url_host_port().source + self.re.get_path().source, 'iy');
      hostAndPath.lastIndex = pos;
      return hostAndPath.exec(text)?.[0].length ?? 0;
    },
    normalize(match) {
      match.url = `http://${match.url}`;
    },
  });
}

/** Table cells say `align="…"` (what the sanitizer keeps), not markdown-it's `style`. */
export function tableAlign(md: MarkdownIt): void {
  md.core.ruler.after('block', 'table_align', (state: StateCore) => {
    for (const token of state.tokens) {
      if (token.type !== 'th_open' && token.type !== 'td_open') continue;
      const align = /^text-align:(\w+)$/.exec(String(token.attrGet('style') ?? ''))?.[1];
      if (align) token.attrs = [['align', align]];
    }
  });
}

/** `~~gone~~` → `<del>`, as GitHub writes it (markdown-it writes `<s>`). */
export function strikethroughAsDel(md: MarkdownIt): void {
  md.renderer.rules.s_open = () => '<del>';
  md.renderer.rules.s_close = () => '</del>';
}

const TILDE = 0x7e;
/** The delimiter marker of a lone `~`: not 0x7e, so that it pairs only with another lone one. */
const LONE_TILDE = 0x10000 + TILDE;

/**
 * `~gone~` is struck through too, as on GitHub (markdown-it only takes `~~`). The same
 * delimiter machinery as markdown-it's own rule, so the same linear pairing: a lone tilde is a
 * delimiter with a marker of its own; after pairing, matched ones become `<s>` tokens (written
 * `<del>` by strikethroughAsDel).
 */
export function singleTildeStrikethrough(md: MarkdownIt): void {
  md.inline.ruler.before('strikethrough', 'strikethrough_single', (state: StateInline, silent: boolean) => {
    if (silent || state.src.charCodeAt(state.pos) !== TILDE) return false;
    const scanned = state.scanDelims(state.pos, true);
    if (scanned.length !== 1) return false; // two or more: markdown-it's rule
    state.push('text', '', 0).content = '~';
    state.delimiters.push({
      marker: LONE_TILDE,
      length: 0,
      token: state.tokens.length - 1,
      end: -1,
      open: scanned.can_open,
      close: scanned.can_close,
    });
    state.pos += 1;
    return true;
  });
  md.inline.ruler2.before('fragments_join', 'strikethrough_single', (state: StateInline) => {
    for (const delimiters of [state.delimiters, ...state.tokens_meta.map((meta) => meta?.delimiters)]) {
      for (const opener of delimiters ?? []) {
        if (opener.marker !== LONE_TILDE || opener.end === -1) continue;
        const open = state.tokens[opener.token]!;
        const close = state.tokens[delimiters![opener.end]!.token]!;
        Object.assign(open, { type: 's_open', tag: 's', nesting: 1, markup: '~', content: '' });
        Object.assign(close, { type: 's_close', tag: 's', nesting: -1, markup: '~', content: '' });
      }
    }
  });
}
