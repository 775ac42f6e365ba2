import { escapeHtml } from '@/lib/markdown/text';

/**
 * The small pages a reader sees on the blog's host after the subscribe form, and from the links
 * in their mail: built by hand (their routes also answer POSTs, which a Next page cannot), in
 * the default theme's colours and type, every value escaped, and never cached (lib/server/blog-host.ts).
 */
export type ReaderPage = {
  status: number;
  blogTitle: string;
  heading: string;
  paragraphs: string[];
  /** A button that POSTs back to `action` (the same link: a link scanner's GET changes nothing). */
  button?: { action: string; label: string };
  retryAfterSeconds?: number;
};

export function readerPageResponse(page: ReaderPage): Response {
  const headers: Record<string, string> = {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Robots-Tag': 'noindex, nofollow',
    'Referrer-Policy': 'no-referrer',
    // No script at all, and forms back to this host only.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  };
  if (page.retryAfterSeconds) headers['Retry-After'] = String(page.retryAfterSeconds);
  return new Response(readerPageHtml(page), { status: page.status, headers });
}

function readerPageHtml(page: ReaderPage): string {
  const button = page.button
    ? `<form method="post" action="${escapeHtml(page.button.action)}"><button type="submit">${escapeHtml(page.button.label)}</button></form>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(page.heading)} · ${escapeHtml(page.blogTitle)}</title>
<style>
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fffdf8;--accent:#9a3412;--rule:#e4e0d6}
@media (prefers-color-scheme:dark){:root{--fg:#e6e1d6;--muted:#a19d94;--bg:#16161a;--accent:#fb923c;--rule:#2e2d33}}
body{margin:0;background:var(--bg);color:var(--fg);font:1.15rem/1.7 Charter,"Bitstream Charter","Sitka Text",Cambria,Georgia,serif}
header,main{max-width:42rem;margin:0 auto;padding:0 1.25rem}header{padding:1.5rem 1.25rem;border-bottom:1px solid var(--rule)}
header a{font:700 1.1rem/1.2 system-ui,sans-serif;color:var(--fg);text-decoration:none}
main{padding-top:2.5rem;padding-bottom:3rem}h1{font:700 1.75rem/1.25 system-ui,sans-serif;margin:0 0 1rem}a{color:var(--accent)}
button{font:600 1rem system-ui,sans-serif;padding:.55rem 1.1rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--bg);cursor:pointer}
</style></head>
<body><header><a href="/">${escapeHtml(page.blogTitle)}</a></header>
<main>
<h1>${escapeHtml(page.heading)}</h1>
${page.paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n')}
${button}
</main></body></html>`;
}
