/**
 * What mail would enable, shown where it matters when no SMTP server is configured. Server pages
 * pass `mailEnabled()` (lib/mail/outbox.ts); with mail configured this renders nothing.
 */
export function MailNotConfigured({ mailEnabled }: { mailEnabled: boolean }) {
  if (mailEnabled) return null;
  return (
    <p className="muted">
      This server sends no mail. Its operator can set <code>QUIRE_SMTP_URL</code> to enable password reset by mail, address verification,
      invitations by mail, comment notices and newsletters.
    </p>
  );
}
