import { assertWritable } from '@/lib/cluster/fence';
import { publicBlog } from '@/lib/reader/blog';
import { publicScheme } from '@/lib/config';
import { readBody } from '@/lib/http/api';
import { HttpError, INSUFFICIENT_STORAGE, errorReply, forbidden } from '@/lib/http/errors';
import { clientIp } from '@/lib/http/request';
import { escapeHtml } from '@/lib/markdown/text';
import { POST_SLUG_PATTERN } from '@/lib/posts/slug';
import { submitComment } from './comments';
import { COMMENT_ACTION, COMMENT_BODY_MAX, COMMENT_FIELDS, COMMENT_NAME_MAX, COMMENTS_ANCHOR } from './fields';

/** A form of at most 5,000 characters, each up to 9 bytes once URL-encoded, and the rest. */
const FORM_MAX_BYTES = 64 * 1024;

type Fields = Record<string, string>;

/**
 * `POST /comments` on a blog's host. Only the blog's own pages may post here (the `Origin` must
 * be the blog's, which is the request's host: a cross-site form is refused). A script asking for
 * JSON gets JSON; a plain form gets a 303 back to the post, or, when refused, a page with the
 * reason and the reader's text in a form to send again.
 */
export async function receiveComment(request: Request, site: string): Promise<Response> {
  const wantsJson = (request.headers.get('accept') ?? '').includes('application/json');
  let fields: Fields = {};
  try {
    if (!isFromBlogItself(request)) throw forbidden('This comment was sent from another site and was refused.');
    const blog = publicBlog(site);
    if (!blog) throw new HttpError(404, 'There is no blog here.');
    assertWritable(blog.handle.slug);
    if (!(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
      throw new HttpError(415, 'Send comments with the form under a post.');
    }
    const form = new URLSearchParams((await readBody(request, FORM_MAX_BYTES, 'This comment is too long to send.')).toString('utf8'));
    fields = Object.fromEntries(form);
    const receipt = await submitComment(blog.handle, fields, { ip: await clientIp() });
    if (wantsJson) return Response.json(receipt, { headers: { 'Cache-Control': 'no-store' } });
    return new Response(null, { status: 303, headers: { Location: receipt.location, 'Cache-Control': 'no-store' } });
  } catch (error) {
    const { status, message, retryAfterSeconds } = errorReply(error, 'your comment');
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (retryAfterSeconds) headers['Retry-After'] = String(retryAfterSeconds);
    if (wantsJson) return Response.json({ error: message }, { status, headers });
    // Bad input, too many comments or a full disk: fix or wait, and send again. Otherwise keep the text.
    const page = refusalPage(message, fields, status === 400 || status === 429 || status === INSUFFICIENT_STORAGE);
    return new Response(page, {
      status,
      headers: {
        ...headers,
        'Content-Type': 'text/html; charset=utf-8',
        // Built by hand, so held to no script at all and forms back to this host only.
        'Content-Security-Policy':
          "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
      },
    });
  }
}

/** The browser's `Origin` must be this blog's own: our scheme, and the host the request came to. */
export function isFromBlogItself(request: Request): boolean {
  const origin = request.headers.get('origin');
  const host = request.headers.get('host');
  if (!origin || !host) return false;
  return origin.toLowerCase() === `${publicScheme()}://${host.toLowerCase()}`;
}

/**
 * The answer to a refused form without JavaScript: the reason, and what the reader wrote — in
 * the same form, ready to correct and send again, or (when sending again cannot help) as text to
 * keep. Every value is escaped. (A cross-site post was refused before it was read: nothing.)
 */
function refusalPage(message: string, fields: Fields, canRetry: boolean): string {
  const value = (name: string) => escapeHtml(fields[name] ?? '');
  const postSlug = fields[COMMENT_FIELDS.post] ?? '';
  const back = POST_SLUG_PATTERN.test(postSlug) ? `/posts/${postSlug}#${COMMENTS_ANCHOR}` : '/';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>Your comment was not sent</title>
<style>
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#fffdf8;--accent:#9a3412;--rule:#8a8478}
@media (prefers-color-scheme:dark){:root{--fg:#e6e1d6;--muted:#a19d94;--bg:#16161a;--accent:#fb923c;--rule:#7a7682}}
body{margin:0;background:var(--bg);color:var(--fg);font:1.1rem/1.6 Charter,"Bitstream Charter","Sitka Text",Cambria,Georgia,serif}
main{max-width:42rem;margin:0 auto;padding:2.5rem 1.25rem}h1{font:700 1.75rem/1.25 system-ui,sans-serif;margin:0 0 1rem}
.reason{font-weight:600;color:var(--accent)}a{color:var(--accent)}
label{display:block;margin:0 0 1rem;font:600 .95rem/1.5 system-ui,sans-serif}
input,textarea{display:block;width:100%;box-sizing:border-box;margin-top:.3rem;font:1rem/1.5 system-ui,sans-serif;padding:.5rem;border:1px solid var(--rule);border-radius:6px;background:var(--bg);color:var(--fg)}
button{font:600 1rem system-ui,sans-serif;padding:.5rem 1rem;border-radius:6px;border:0;background:var(--accent);color:var(--bg);cursor:pointer}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
</style></head>
<body><main>
<h1>Your comment was not sent</h1>
<p class="reason" role="alert">${escapeHtml(message)}</p>
${
  canRetry
    ? `<form method="post" action="${COMMENT_ACTION}">
<input type="hidden" name="${COMMENT_FIELDS.post}" value="${value(COMMENT_FIELDS.post)}">
<label>Name <input name="${COMMENT_FIELDS.name}" value="${value(COMMENT_FIELDS.name)}" required maxlength="${COMMENT_NAME_MAX}" autocomplete="name"></label>
<label>Website (optional) <input name="${COMMENT_FIELDS.website}" type="url" value="${value(COMMENT_FIELDS.website)}" autocomplete="url"></label>
<label>Comment <textarea name="${COMMENT_FIELDS.body}" rows="10" required maxlength="${COMMENT_BODY_MAX}">
${value(COMMENT_FIELDS.body)}</textarea></label>
<div class="hp" aria-hidden="true"><label>Leave this empty <input name="${COMMENT_FIELDS.honeypot}" tabindex="-1" autocomplete="off"></label></div>
<button type="submit">Send again</button>
</form>`
    : fields[COMMENT_FIELDS.body]
      ? `<label>Your comment, to keep <textarea rows="10" readonly>
${value(COMMENT_FIELDS.body)}</textarea></label>`
      : ''
}
<p><a href="${escapeHtml(back)}">Back to the post</a></p>
</main></body></html>`;
}
