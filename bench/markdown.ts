/**
 * Hostile Markdown through the real renderer (`node --import tsx bench/markdown.ts`): each family
 * of input that has made some Markdown parser (or highlighter) slow, at the post limit
 * (POST_MARKDOWN_MAX, 200,000 characters) through renderMarkdown, and at the comment limit
 * (COMMENT_BODY_MAX, 5,000) and the post limit through renderComment. Anyone who signs up can
 * send these, so every one must stay well under a second.
 *
 * Each family runs in a worker thread with a wall-clock cap (MARKDOWN_CAP_SECONDS, default 10):
 * a case still running then is stopped (the worker terminated, a new one started for the next)
 * and reported as "> N s (stopped)"; a case that throws is reported with its error. A figure is
 * the median of MARKDOWN_RUNS renders (default 3; a single one when the first takes over a
 * second), in ms.
 *
 * MARKDOWN_RENDERER names another module exporting renderMarkdown and renderComment, to time an
 * older renderer the same way, e.g. the one of an earlier commit:
 *   mkdir /tmp/old && git show <commit>:lib/markdown/render.ts > /tmp/old/render.ts
 *   ln -s "$PWD/node_modules" /tmp/old/node_modules
 *   MARKDOWN_RENDERER=/tmp/old/render.ts node --import tsx bench/markdown.ts
 * MARKDOWN_ONLY keeps the families whose name contains it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fmt, median, packageVersion, printHeader, printTable, readCount, REPO_ROOT } from './common';

const POST_SIZE = 200_000; // lib/posts POST_MARKDOWN_MAX
const COMMENT_SIZE = 5_000; // lib/comments COMMENT_BODY_MAX

// ---------------------------------------------------------------------------------------------
// The families: each a function of the length wanted

type Family = (n: number) => string;

/** `unit` repeated to exactly `n` characters. */
const fill = (unit: string) => (n: number) => unit.repeat(Math.max(0, Math.ceil(n / unit.length))).slice(0, n);

/** Lines from `line(i)` until `n` characters. */
const lines = (line: (i: number) => string) => (n: number) => {
  const out: string[] = [];
  for (let i = 0, length = 0; length < n; i++) {
    out.push(line(i));
    length += out[i]!.length + 1;
  }
  return out.join('\n').slice(0, n);
};

/** A fenced code block of `n` characters in `lang`, its body from `body`. */
const fenced = (lang: string, body: Family) => (n: number) => {
  const open = '```' + lang + '\n';
  const close = '\n```\n';
  return open + body(n - open.length - close.length) + close;
};

/** Half openers, half closers. */
const nested = (open: string, close: string) => (n: number) => {
  const half = Math.floor(n / 2);
  return fill(open)(half) + fill(close)(n - half);
};

const JS = `function f(a, b) {\n  const x = { y: [1, 2, "three"], z: \`t \${a + b}\` }; // note\n  return /re+gex/g.test(x.y) ? a * 2 : b;\n}\n`;

const FAMILIES: [string, Family][] = [
  // Emphasis: delimiter matching is where parsers go quadratic.
  ['mixed emphasis, no spaces', fill('*a **b _c ~~d')],
  ['mixed emphasis, spaces', fill('*a **b _c ~~d ')],
  ['open emphasis', fill('*a ')],
  ['underscores', fill('_a __b ')],
  ['closing delimiters only', fill('a* ')],
  ['delimiter runs', fill('***a__ ')],
  ['strikethrough', fill('~~a ~b ')],
  ['emphasis and code spans', fill('*`a ')],
  // Brackets and links.
  ['nested brackets', nested('[', ']')],
  ['open brackets', fill('[a ')],
  ['links left open', fill('[a](b ')],
  ['images left open', fill('![a ')],
  ['image destinations left open', fill('![a](b ')],
  ['nested links', fill('[[a](b) ')],
  ['link titles left open', fill('[a](b "')],
  ['angle destinations left open', fill('[a](<b ')],
  ['nested parentheses in a destination', (n) => '[a](' + nested('(', ')')(n - 4)],
  // Blocks.
  ['deep block quote', fill('> ')],
  ['block quote lines', fill('> a\n')],
  ['deep list, indented', lines((i) => ' '.repeat(i * 2) + '- a')],
  ['deep list, one line', fill('- * ')], // alternating markers: `- - -` would be a rule
  ['deep ordered list, one line', fill('1. ')],
  ['list in quote, one line', fill('> - ')],
  ['long list', fill('- a\n')],
  ['long table', (n) => '| a | b |\n|---|---|\n' + fill('| x | y |\n')(n - 20)],
  ['wide table', (n) => '|' + 'a|'.repeat(5000) + '\n|' + '-|'.repeat(5000) + '\n' + fill('|x|\n')(n - 20_004)],
  ['many small tables', fill('|a|b|\n|-|-|\n')],
  [
    'wide table, full rows',
    (n) => '|' + 'a|'.repeat(1000) + '\n|' + '-|'.repeat(1000) + '\n' + fill('|' + 'x|'.repeat(1000) + '\n')(n - 4004),
  ],
  ['reference definitions', fill('[a]: http://x\n')],
  ['reference uses', (n) => lines((i) => `[r${i}]: /u${i}`)(n / 2) + '\n\n' + fill('[r1] [r2][] [a][r3] ')(n / 2 - 2)],
  ['heading flood', fill('# a\n')],
  ['setext headings', fill('a\n=\n')],
  ['headings, same text', fill('## a\n\n')],
  ['headings, colliding ids', (n) => lines((i) => `# a-${i + 1}`)(n / 2) + '\n' + fill('# a\n')(n / 2 - 1)],
  ['one long heading', (n) => '# ' + fill('a *b* ')(n - 2)],
  ['indented code', fill('    a\n')],
  ['blank lines', fill('\n')],
  ['short lines', fill('a\n')],
  ['tabs', fill('\t- a\n')],
  ['fence markers', fill('```\n')],
  ['HTML block lines', fill('<div>\n')],
  // Raw HTML (the sanitizer sees all of it too).
  ['HTML comments left open', fill('<!-- ')],
  ['HTML tags left open', fill('<a ')],
  ['HTML close tags left open', fill('</a ')],
  ['HTML declarations left open', fill('<!A <? <![CDATA[ ')],
  ['HTML inline elements nested', fill('<span>')],
  ['HTML block elements nested', fill('<div>')],
  ['HTML attributes', (n) => '<a ' + fill('b="c" ')(n - 3)],
  // Code spans.
  ['backtick run', fill('`')],
  ['backtick runs', fill('`a ``b ```c ')],
  ['growing backtick runs', lines((i) => '`'.repeat(i + 1) + 'a')],
  // Escapes and entities.
  ['escapes', fill('\\*')],
  ['backslashes', fill('\\')],
  ['numeric entities left open', fill('&#')],
  ['named entities', fill('&amp;')],
  ['entity-like words', fill('&abcdefghij')],
  // Autolinks and linkify.
  ['autolinks left open', fill('<http://a ')],
  ['email autolinks left open', fill('<a@b ')],
  ['www. run', fill('www.a')],
  ['www. words', fill('www.a ')],
  ['many URLs', fill('http://a.b/c ')],
  ['many emails', fill('a@b.cc ')],
  ['schemes without links', fill('http: a@b.cc ')],
  ['scheme separators', fill('a://')],
  ['URL with nested parentheses', (n) => 'http://a.b/' + nested('(', ')')(n - 11)],
  ['URL with open parentheses', (n) => 'http://a.b/' + fill('(a')(n - 11)],
  // Fenced code, highlighted by highlight.js.
  ['fenced js', fenced('js', fill(JS))],
  ['fenced js, nested brackets', fenced('js', nested('({[', ']})'))],
  ['fenced js, nested template literals', fenced('js', fill('`${'))],
  ['fenced js, quotes', fenced('js', fill('"\\"\'`'))],
  ['fenced js, comments left open', fenced('js', fill('/* '))],
  ['fenced html', fenced('html', fill('<div class="a"><p>b</p>\n'))],
  ['fenced html, nested tags', fenced('html', fill('<a b="c">'))],
  ['fenced html, script', fenced('html', fill('<script>f("</'))],
  ['fenced xml, comments left open', fenced('xml', fill('<x><!-- '))],
  ['fenced markdown', fenced('markdown', fill('*a **b _c [d](e `f` '))],
  ['fenced markdown, lines', fenced('markdown', fill('> - # [a]: <b\n'))],
  ['fenced css', fenced('css', fill('a.b > c { d: e(1px); }\n'))],
  ['fenced css, nested', fenced('css', nested('@media (a) { b {', '} }'))],
  ['fenced, unknown language', fenced('nosuchlang', fill('<a> & "b" '))],
  ['fenced, no language', fenced('', fill('<a> & "b" '))],
  ['many small fenced blocks', fill('```js\na\n```\n')],
  // Blocks just under the renderer's highlighting limit, in grammars that are slow on them.
  ['4,900-char blocks: C# over prose', fill(fenced('csharp', fill('The quick brown fox jumps over the lazy dog\n'))(4_900))],
  ['4,900-char blocks: markdown, one line', fill(fenced('markdown', fill('*a **b _c [d](e `f` '))(4_900))],
  ['4,900-char blocks: ini over numbers', fill(fenced('ini', fill('1.2e'))(4_900))],
  ['4,900-char blocks: js', fill(fenced('js', fill(JS))(4_900))],
];

// ---------------------------------------------------------------------------------------------
// The worker: renders what it is sent, timed

type Target = 'post' | 'comment';
type Job = { family: string; target: Target; size: number; runs: number };
type Outcome = { ms: number[] } | { error: string };
type Renderer = { renderMarkdown: (markdown: string) => string; renderComment: (body: string) => string };

async function serve(rendererPath: string): Promise<void> {
  const renderer = (await import(rendererPath)) as Renderer;
  // Warm up: the first render loads and compiles what every later one uses.
  renderer.renderMarkdown('# a\n\n*b* [c](https://d.test) `e`\n\n```js\nf()\n```\n\n| g |\n|---|\n| h |');
  renderer.renderComment('*b* [c](https://d.test)');
  parentPort!.on('message', (job: Job) => {
    const family = FAMILIES.find(([name]) => name === job.family)![1];
    const render = job.target === 'post' ? renderer.renderMarkdown : renderer.renderComment;
    const ms: number[] = [];
    try {
      // Families with a fixed-size part (a wide table's header) are cut to size.
      const input = family(job.size).slice(0, job.size);
      while (ms.length < job.runs) {
        const started = performance.now();
        render(input);
        ms.push(performance.now() - started);
        if (ms[0]! > 1000) break;
      }
      parentPort!.postMessage({ ms } satisfies Outcome);
    } catch (error) {
      parentPort!.postMessage({ error: String(error instanceof Error ? error.message : error) } satisfies Outcome);
    }
  });
  parentPort!.postMessage('ready');
}

// ---------------------------------------------------------------------------------------------
// The main thread: one worker at a time, replaced when a case is stopped

class Runner {
  private worker: Worker | undefined;

  constructor(private readonly rendererPath: string) {}

  private async start(): Promise<Worker> {
    // tsx is registered per thread: lib/process/ts-worker.mjs does it, then loads this file.
    const worker = new Worker(path.join(REPO_ROOT, 'lib', 'process', 'ts-worker.mjs'), {
      workerData: {
        tsconfig: path.join(REPO_ROOT, 'tsconfig.json'),
        module: fileURLToPath(import.meta.url),
        role: 'markdown-bench',
        renderer: this.rendererPath,
      },
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return worker;
  }

  async run(job: Job, capMs: number): Promise<Outcome | 'stopped'> {
    const worker = (this.worker ??= await this.start());
    return new Promise((resolve) => {
      const finish = (outcome: Outcome | 'stopped', workerGone = false) => {
        clearTimeout(timer);
        worker.removeAllListeners('message').removeAllListeners('error');
        if (workerGone) {
          // Stopped, or dead (out of memory, say): the next case gets a new worker.
          this.worker = undefined;
          void worker.terminate();
        }
        resolve(outcome);
      };
      const timer = setTimeout(() => finish('stopped', true), capMs);
      worker.once('message', (outcome: Outcome) => finish(outcome));
      worker.once('error', (error) => finish({ error: error.message }, true));
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

function cell(outcome: Outcome | 'stopped', capSeconds: number): string {
  if (outcome === 'stopped') return `> ${capSeconds} s (stopped)`;
  if ('error' in outcome) return `error: ${outcome.error.split('\n')[0]!.slice(0, 40)}`;
  return fmt(median(outcome.ms), outcome.ms.length > 0 && median(outcome.ms) < 10 ? 1 : 0);
}

async function main(): Promise<void> {
  const capSeconds = readCount('MARKDOWN_CAP_SECONDS', 10);
  const runs = readCount('MARKDOWN_RUNS', 3);
  const only = process.env.MARKDOWN_ONLY ?? '';
  const rendererPath = path.resolve(process.env.MARKDOWN_RENDERER || path.join(REPO_ROOT, 'lib', 'markdown', 'render.ts'));

  printHeader('Hostile Markdown: render time per family (ms)');
  console.log(
    `software: Node ${process.version}, markdown-it ${packageVersion('markdown-it')}, highlight.js ${packageVersion('highlight.js')}, sanitize-html ${packageVersion('sanitize-html')}`,
  );
  console.log(`renderer: ${path.relative(REPO_ROOT, rendererPath) || rendererPath}`);
  console.log(`cap:      ${capSeconds} s per case; median of ${runs} runs (one run when the first takes over 1 s)\n`);

  const targets: [Target, number, string][] = [
    ['post', POST_SIZE, `renderMarkdown ${POST_SIZE / 1000}k`],
    ['comment', COMMENT_SIZE, `renderComment ${COMMENT_SIZE / 1000}k`],
    ['comment', POST_SIZE, `renderComment ${POST_SIZE / 1000}k`],
  ];
  const runner = new Runner(rendererPath);
  const rows: string[][] = [];
  try {
    for (const [family] of FAMILIES.filter(([name]) => name.includes(only))) {
      const row = [family];
      for (const [target, size] of targets) row.push(cell(await runner.run({ family, target, size, runs }, capSeconds * 1000), capSeconds));
      rows.push(row);
      console.error(row.join('  ')); // progress, while the table waits for the end
    }
  } finally {
    await runner.close();
  }
  console.log();
  printTable(['family', ...targets.map(([, , label]) => label)], rows);
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
} else if ((workerData as { role?: string } | null)?.role === 'markdown-bench') {
  await serve((workerData as { renderer: string }).renderer);
}
