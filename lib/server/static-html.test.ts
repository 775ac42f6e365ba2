import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripNextRuntime } from './static-html';

/** The shape of what Next 16 writes for a public page (trimmed). */
const PAGE = [
  '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>',
  '<link rel="stylesheet" href="/_next/static/chunks/07x71-e-argcx.css" data-precedence="next"/>',
  '<link rel="preload" as="script" fetchPriority="low" href="/_next/static/chunks/3lyh5nk15zh-w.js"/>',
  '<script src="/_next/static/chunks/2_dyr_8ccabe_.js" async=""></script>',
  '<title>T · bench</title><link rel="canonical" href="http://bench.localhost/posts/t"/>',
  '<script src="/_next/static/chunks/0cz1d0mv5g_q7.js" noModule=""></script></head><body>',
  '<article><p>Text with &lt;script&gt; in it</p>',
  '<script type="application/ld+json">{"@type":"BlogPosting"}</script>',
  '<script>(function(){var d=document;d.title=d.title})();</script></article>',
  '<script id="_R_">(globalThis["TURBOPACK"] || (globalThis["TURBOPACK"] = [])).push({"otherChunks":["static/chunks/a.js"]})</script>',
  '<script src="/_next/static/chunks/3lyh5nk15zh-w.js" async=""></script>',
  '<script>(self.__next_f=self.__next_f||[]).push([0])</script>',
  '<script>self.__next_f.push([1,"0:{\\"P\\":null}\\n18:T2f9b,\\u003cp\\u003eText\\u003c/p\\u003e"])</script>',
  '</body></html>',
].join('');

describe('stripNextRuntime', () => {
  const stripped = stripNextRuntime(PAGE);

  it("takes out Next's runtime scripts, their preloads and the RSC payload", () => {
    expect(stripped).not.toContain('/_next/static/chunks/2_dyr_8ccabe_.js');
    expect(stripped).not.toContain('.js"');
    expect(stripped).not.toContain('__next_f');
    expect(stripped).not.toContain('TURBOPACK');
  });

  it('keeps the page: stylesheets, metadata, JSON-LD and our inline scripts', () => {
    expect(stripped).toBe(
      [
        '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>',
        '<link rel="stylesheet" href="/_next/static/chunks/07x71-e-argcx.css" data-precedence="next"/>',
        '<title>T · bench</title><link rel="canonical" href="http://bench.localhost/posts/t"/>',
        '</head><body>',
        '<article><p>Text with &lt;script&gt; in it</p>',
        '<script type="application/ld+json">{"@type":"BlogPosting"}</script>',
        '<script>(function(){var d=document;d.title=d.title})();</script></article>',
        '</body></html>',
      ].join(''),
    );
  });
});

describe('public pages', () => {
  // Served without Next's runtime (lib/server/static-html.ts): a client component there would never run.
  it('have no client components', () => {
    const dir = path.join(process.cwd(), 'app', 'sites');
    const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => /\.(tsx?|jsx?)$/.test(file));
    expect(files.length).toBeGreaterThan(10);
    const clients = files.filter((file) => /^\s*['"]use client['"]/m.test(fs.readFileSync(path.join(dir, file), 'utf8')));
    expect(clients).toEqual([]);
  });
});
