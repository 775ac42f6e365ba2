/**
 * What a hostile reader might type into a comment: each must come out inert. Used by the
 * renderer's unit tests and by the Chromium test that opens them in a real browser (where a
 * payload that ran would set `window.__xss` and open a dialog).
 */
export const COMMENT_XSS_CORPUS: [string, string][] = [
  ['script tag', '<script>alert(window.__xss=1)</script>'],
  ['script tag, odd case', '<ScRiPt>alert(window.__xss=1)</sCrIpT>'],
  ['img onerror', '<img src=x onerror=alert(window.__xss=1)>'],
  ['svg onload', '<svg onload=alert(window.__xss=1)>'],
  ['iframe srcdoc', '<iframe srcdoc="<script>alert(window.__xss=1)</script>"></iframe>'],
  ['javascript: link', '[click](javascript:alert(window.__xss=1))'],
  ['javascript: link, mixed case', '[click](JaVaScRiPt:alert(window.__xss=1))'],
  ['javascript: link, entity-encoded', '[click](jav&#x61;script:alert(window.__xss=1))'],
  ['javascript: link, tab inside', '[click](java\tscript:alert(window.__xss=1))'],
  ['javascript: reference link', '[click][x]\n\n[x]: javascript:alert(window.__xss=1)'],
  ['javascript: autolink', '<javascript:alert(window.__xss=1)>'],
  ['vbscript: link', '[x](vbscript:msgbox(1))'],
  ['data: URL link', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
  ['data: URL image', '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)'],
  ['image with onerror in the title', '![x](https://x.test/a.png "\" onerror=\"alert(window.__xss=1))'],
  ['raw HTML link', '<a href="javascript:alert(window.__xss=1)">x</a>'],
  ['raw HTML with event handler', '<p onclick="alert(window.__xss=1)">hi</p>'],
  ['style tag', '<style>body{display:none}</style>'],
  ['HTML inside emphasis', '**<img src=x onerror=alert(window.__xss=1)>**'],
  ['HTML inside a link text', '[<img src=x onerror=alert(window.__xss=1)>](https://x.test)'],
  ['HTML inside a list', '- <iframe src=//evil.test></iframe>'],
  ['HTML inside a quote', '> <script>alert(window.__xss=1)</script>'],
  ['HTML inside code is just code', '`<script>alert(window.__xss=1)</script>`'],
  ['link title breaking out', '[x](https://x.test "a\" onmouseover=\"alert(window.__xss=1)")'],
  ['link whose URL breaks out', '[x](https://x.test/"onmouseover="alert(window.__xss=1))'],
  ['protocol-relative link', '[x](//evil.test)'],
  ['nested brackets', '[[x](javascript:alert(window.__xss=1))](https://x.test)'],
  ['math/mathml', '<math><mtext><table><mglyph><style><img src=x onerror=alert(window.__xss=1)>'],
  ['noscript trick', '<noscript><p title="</noscript><img src=x onerror=alert(window.__xss=1)>">'],
  ['comment trick', '<!--><img src=x onerror=alert(window.__xss=1)>-->'],
];
