import { convert } from 'html-to-text';
import sanitizeHtml from 'sanitize-html';
import { escapeHtml } from '@/lib/markdown/text';

/** What a newsletter is made from: the post's stored (already sanitized) HTML and the blog's addresses. */
export type NewsletterSource = {
  blogTitle: string;
  blogUrl: string;
  postTitle: string;
  /** The post's absolute address: relative links and images are resolved against it. */
  postUrl: string;
  /** The publication date as the blog's readers read it (formatted by the caller, in the blog's zone). */
  date: string;
  html: string;
  /** Where the reader's unsubscribe link goes: lib/mail's placeholder, filled in per reader when sent. */
  unsubscribeUrl: string;
};

export type RenderedNewsletter = { html: string; text: string };

const FONT = "font-family:Georgia,'Times New Roman',serif";
const MUTED = 'color:#59636e;font-size:13px';

/**
 * Inline styles per tag: mail clients ignore style sheets, so a mail's look lives on its elements.
 * Written over whatever the element had (the stored HTML has no style attribute anyway).
 */
const STYLE: Record<string, string> = {
  img: 'max-width:100%;height:auto;border:0',
  pre: 'background:#f6f8fa;padding:12px;overflow-x:auto;font-size:14px;white-space:pre-wrap',
  code: 'font-family:ui-monospace,Menlo,Consolas,monospace;font-size:0.9em',
  blockquote: 'margin:0 0 16px;padding:0 0 0 14px;border-left:3px solid #d0d7de;color:#444c56',
  a: 'color:#9a3412',
  table: 'border-collapse:collapse',
  th: 'border:1px solid #d0d7de;padding:4px 8px',
  td: 'border:1px solid #d0d7de;padding:4px 8px',
  figcaption: MUTED,
};

/**
 * What a mail may carry of a post: text and its structure, links and images. No scripts,
 * frames, forms, styles or classes (mail clients strip most of them, and some would run them).
 */
// prettier-ignore
const EMAIL_TAGS = [
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'span', 'a', 'img', 'ul', 'ol', 'li',
  'strong', 'em', 'del', 's', 'sup', 'sub', 'kbd', 'mark', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'figure', 'figcaption',
  'abbr', 'dl', 'dt', 'dd', 'details', 'summary',
];

const ATTRIBUTES: Record<string, string[]> = {
  a: ['href', 'title'],
  img: ['src', 'srcset', 'sizes', 'alt', 'title', 'width', 'height'],
  th: ['align'],
  td: ['align'],
  ol: ['start'],
  abbr: ['title'],
};

/** The post's body for a mail: sanitized for email, every relative address made absolute. */
function emailBody(html: string, postUrl: string): string {
  const base = new URL(postUrl);
  const resolve = (value: string) => {
    const url = URL.canParse(value, base) ? new URL(value, base) : undefined;
    // A relative reference lands on the blog's origin; anything else (another site, a scheme,
    // a disguised `//host`) is left as written for the sanitizer to judge.
    return url?.origin === base.origin ? url.href : value;
  };
  const styled = (tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag => ({
    tagName,
    attribs: STYLE[tagName] ? { ...attribs, style: STYLE[tagName] } : attribs,
  });
  const transformTags: Record<string, sanitizeHtml.Transformer> = Object.fromEntries(
    Object.keys(STYLE).map((tag) => [tag, (tagName: string, attribs: sanitizeHtml.Attributes) => styled(tagName, attribs)]),
  );
  transformTags.a = (tagName, attribs) =>
    styled(tagName, attribs.href === undefined ? attribs : { ...attribs, href: resolve(attribs.href) });
  transformTags.img = (tagName, attribs) =>
    styled(tagName, {
      ...attribs,
      ...(attribs.src === undefined ? {} : { src: resolve(attribs.src) }),
      ...(attribs.srcset === undefined
        ? {}
        : {
            srcset: attribs.srcset
              .split(',')
              .map((candidate) => candidate.trim().replace(/^\S+/, resolve))
              .join(', '),
          }),
    });
  const withStyle = (tag: string, attributes: string[]) => (STYLE[tag] ? [...attributes, 'style'] : attributes);
  return sanitizeHtml(html, {
    allowedTags: EMAIL_TAGS,
    // `style` only where transformTags writes ours over whatever the element had.
    allowedAttributes: Object.fromEntries(
      EMAIL_TAGS.map((tag): [string, string[]] => [tag, withStyle(tag, ATTRIBUTES[tag] ?? [])]).filter(([, names]) => names.length > 0),
    ),
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    transformTags,
  });
}

/**
 * A post as a newsletter: a plain, readable HTML layout with inline styles, and its plain-text
 * twin. Both end with the reader's own unsubscribe link (`source.unsubscribeUrl`: the outbox's
 * placeholder, which the sender replaces with each reader's URL). Runs on a pool thread (lib/tasks): its cost grows with the post.
 */
export function renderNewsletter(written: NewsletterSource): RenderedNewsletter {
  // What the author wrote can never become a reader's unsubscribe link: a `{{` in it gets a
  // zero-width space, so the sender's replacement does not touch it (else a tracking image with
  // the placeholder in its address would collect every reader's token).
  const inert = (value: string) => value.replaceAll('{{', '{\u200b{');
  const source = { ...written, html: inert(written.html), blogTitle: inert(written.blogTitle), postTitle: inert(written.postTitle) };
  const body = emailBody(source.html, source.postUrl);
  const blogTitle = escapeHtml(source.blogTitle);
  const footer = `You get this because you subscribed to ${source.blogTitle}.`;
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(source.postTitle)}</title></head>` +
    `<body style="margin:0;padding:0;background:#ffffff">` +
    `<div style="${FONT};font-size:17px;line-height:1.6;color:#1f2328;max-width:600px;margin:0 auto;padding:24px">` +
    `<p style="margin:0 0 8px;${MUTED}"><a href="${escapeHtml(source.blogUrl)}" style="color:#59636e;text-decoration:none">${blogTitle}</a></p>` +
    `<h1 style="font-size:28px;line-height:1.25;margin:0 0 4px">${escapeHtml(source.postTitle)}</h1>` +
    `<p style="margin:0 0 24px;${MUTED}">${escapeHtml(source.date)}</p>` +
    body +
    `<p style="margin:32px 0 0"><a href="${escapeHtml(source.postUrl)}" style="color:#9a3412">Read it on the web</a></p>` +
    `<hr style="border:0;border-top:1px solid #d0d7de;margin:24px 0">` +
    `<p style="margin:0;${MUTED}">${escapeHtml(footer)} <a href="${escapeHtml(source.unsubscribeUrl)}" style="color:#59636e">Unsubscribe</a></p>` +
    `</div></body></html>`;
  const bodyText = convert(body, {
    wordwrap: 78,
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'img', options: { linkBrackets: ['[', ']'] } },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'h3', options: { uppercase: false } },
      { selector: 'table', format: 'dataTable' },
    ],
  });
  const text = [
    source.blogTitle,
    '',
    source.postTitle,
    source.date,
    '',
    bodyText,
    '',
    `Read it on the web: ${source.postUrl}`,
    '',
    '--',
    footer,
    `Unsubscribe: ${source.unsubscribeUrl}`,
  ].join('\n');
  return { html, text };
}
