import { escapeHtml } from '@/lib/markdown/text';

export type PlainMail = {
  /** Paragraphs of plain text; each becomes one `<p>`. */
  paragraphs: string[];
  /** The one thing to do: a button in HTML, the bare URL on its own line in text. */
  action?: { label: string; url: string };
  /** Small print under a rule: why the mail came, what to do if it was not wanted. */
  footer?: string;
};

/**
 * The text and HTML of the platform's own short mails (password reset, invitations, comment
 * notices, confirming a subscription), from one description, every value escaped. Newsletters
 * are rendered from their post instead (lib/newsletters).
 */
export function composeMail(mail: PlainMail): { text: string; html: string } {
  const text = [
    ...mail.paragraphs,
    ...(mail.action ? [`${mail.action.label}:\n${mail.action.url}`] : []),
    ...(mail.footer ? [`--\n${mail.footer}`] : []),
  ].join('\n\n');
  const paragraph = (value: string) => `<p style="margin:0 0 16px">${escapeHtml(value).replaceAll('\n', '<br>')}</p>`;
  const button = mail.action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(mail.action.url)}" style="background:#9a3412;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(mail.action.label)}</a></p>` +
      `<p style="margin:0 0 16px;font-size:13px;color:#59636e">Or open this address: ${escapeHtml(mail.action.url)}</p>`
    : '';
  const footer = mail.footer
    ? `<hr style="border:0;border-top:1px solid #d0d7de;margin:24px 0"><p style="font-size:13px;color:#59636e">${escapeHtml(mail.footer)}</p>`
    : '';
  const html = `<!doctype html><html><body style="font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:16px;line-height:1.5;color:#1f2328;max-width:560px;margin:0 auto;padding:24px">${mail.paragraphs.map(paragraph).join('')}${button}${footer}</body></html>`;
  return { text, html };
}
