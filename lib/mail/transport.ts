import nodemailer from 'nodemailer';
import { z } from 'zod';
import { config } from '@/lib/config';
import { InputError, parseInput } from '@/lib/input';
import { emailSchema } from '@/lib/input/email';
import { composeMail } from './compose';

/**
 * The SMTP connection as nodemailer makes it from `QUIRE_SMTP_URL`: `smtps://` is TLS from the
 * start, `smtp://` upgrades with STARTTLS when the server offers it; user and password from the
 * URL. `pool`: the sender's few long-lived connections; the CLI's test uses one of its own.
 */
export function smtpTransport(url: string, pool: boolean) {
  return nodemailer.createTransport({
    url,
    pool,
    maxConnections: 3,
    maxMessages: 500,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
}

/**
 * `quire mail test <address>`: one message straight to the SMTP server, bypassing the outbox, so
 * the operator sees at once whether the settings work, and the server's own answer.
 */
export async function sendTestMail(toInput: string): Promise<{ response: string; messageId: string }> {
  const cfg = config();
  if (!cfg.smtpUrl || !cfg.mailFrom) throw new InputError('Mail is not set up: set QUIRE_SMTP_URL (and QUIRE_MAIL_FROM) first.');
  const to = parseInput(emailSchema, toInput);
  const transport = smtpTransport(cfg.smtpUrl, false);
  try {
    const { text, html } = composeMail({
      paragraphs: [`This is a test from the Quire install at ${cfg.rootDomain}.`, 'If you can read it, mail works.'],
    });
    const info = await transport.sendMail({ from: cfg.mailFrom, to, subject: 'Quire: a test message', text, html });
    return parseInput(z.object({ response: z.string(), messageId: z.string() }), info);
  } catch (error) {
    const e = error as { response?: string; message?: string };
    throw new InputError(`The mail server did not take the message: ${(e.response ?? e.message ?? String(error)).replace(/\s+/g, ' ')}`);
  } finally {
    transport.close();
  }
}
