import type { ServerResponse } from 'node:http';
import { platformUrl } from '@/lib/config';

/**
 * The pages the front answers by itself, before any blog exists to render them: unknown host,
 * missing blog, a blog whose file cannot be opened. Self-contained HTML in the theme's colours.
 */
const PAGES = {
  404: {
    title: 'Page not found',
    message: 'There is no blog or page at this address. Check the spelling.',
  },
  503: {
    title: 'This blog is unavailable',
    message: 'This blog cannot be shown right now. Its author has been told; please try again later.',
  },
} as const;

export type ErrorStatus = keyof typeof PAGES;

function render(status: ErrorStatus, home: string): string {
  const { title, message } = PAGES[status];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fffdf8}
@media (prefers-color-scheme:dark){:root{--fg:#e6e1d6;--muted:#a19d94;--bg:#16161a}}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--fg);
font:1.125rem/1.6 Charter,"Bitstream Charter","Sitka Text",Cambria,Georgia,serif}
main{max-width:32rem;padding:2rem}h1{font-size:1.75rem;margin:0 0 .5rem}p{color:var(--muted)}
.code{font:600 .875rem/1 system-ui,sans-serif;letter-spacing:.1em;color:var(--muted)}a{color:inherit}
</style></head>
<body><main><p class="code">${status}</p><h1>${title}</h1><p>${message}</p><p><a href="${home}">Go to Quire →</a></p></main></body></html>`;
}

let bodies: Record<ErrorStatus, Buffer> | undefined;

export function sendErrorPage(res: ServerResponse, status: ErrorStatus, method = 'GET'): void {
  bodies ??= { 404: Buffer.from(render(404, platformUrl())), 503: Buffer.from(render(503, platformUrl())) };
  const body = bodies[status];
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    ...(status === 503 ? { 'Retry-After': '120' } : {}),
  });
  res.end(method === 'HEAD' ? undefined : body);
}
