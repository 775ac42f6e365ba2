import { config } from '@/lib/config';
import { smtpTransport } from './transport';
import { dueMail, markFailed, markRetry, markSent, UNSUBSCRIBE_PLACEHOLDER, type DueMail } from './outbox';

/** A message refused for good by the receiving server: a newsletter's reader is marked bounced. */
export type PermanentFailure = { mail: DueMail; error: string };

type SendLoopOptions = {
  onPermanentFailure?: (failure: PermanentFailure) => void;
  /** How often the outbox is looked at when idle (an enqueue wakes the sender at once). */
  idleMs?: number;
};

/** A message's own 4xx is retried this many times (about 21 hours: 5 s doubling, then hourly), then given up. */
const MAX_ATTEMPTS = 30;
const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 60 * 60_000;
/** While the server cannot be reached, the sender waits 5 s, 10 s … up to 5 minutes between tries. */
const SERVER_DOWN_MAX_MS = 5 * 60_000;

/**
 * The outbox's one sender, on its own thread (sender-thread.ts): each second it takes at most
 * `QUIRE_MAIL_PER_SECOND` due messages and hands them to the SMTP server over a small pool of
 * connections (nodemailer). A row is marked sent only once the server has accepted it (its 250
 * after DATA), so a stopped server or a restart costs a retry, never a message; a permanent
 * refusal (5xx) fails that row with the server's reason; a server that cannot be reached pauses
 * the sender without using up any message's attempts (docs/architecture.md, "Mail").
 */
export function runSendLoop(options: SendLoopOptions = {}): { wake: () => void; stop: () => Promise<void> } {
  const cfg = config();
  if (!cfg.smtpUrl || !cfg.mailFrom) return { wake: () => {}, stop: async () => {} };
  const transport = smtpTransport(cfg.smtpUrl, true);
  const fromAddress = cfg.mailFrom;
  const perSecond = Math.max(1, Math.floor(cfg.mailPerSecond));
  const spacingMs = cfg.mailPerSecond < 1 ? 1000 / cfg.mailPerSecond : 1000;
  const idleMs = options.idleMs ?? 1000;
  const inFlight = new Set<number>();
  let serverDownMs = 0;
  /** This tick's messages the server never answered for: put back once the pause is known. */
  let serverDown: { id: number; error: string }[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void tick(), ms);
    timer.unref();
  };

  const sendOne = async (mail: DueMail): Promise<'sent' | 'server-down'> => {
    const message = mail.message;
    const unsubscribe = mail.unsubscribeUrl ?? '';
    try {
      await transport.sendMail({
        from: { name: message.fromName ?? fromAddress.name, address: fromAddress.address },
        to: mail.to,
        replyTo: message.replyTo ?? undefined,
        subject: message.subject,
        text: message.text.replaceAll(UNSUBSCRIBE_PLACEHOLDER, unsubscribe),
        html: message.html?.replaceAll(UNSUBSCRIBE_PLACEHOLDER, escapeAttribute(unsubscribe)),
        // One id per outbox row: were a message ever sent twice, the copies would say so.
        messageId: `<quire-${mail.id}.${message.id}@${cfg.rootHostname}>`,
        headers: mail.unsubscribeUrl
          ? { 'List-Unsubscribe': `<${mail.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
          : undefined,
      });
    } catch (error) {
      const failure = describe(error);
      if (failure.kind === 'recipient' || failure.kind === 'refused') {
        await markFailed(mail.id, failure.text);
        // Only a refused recipient says the address is gone (a bounce); a refused message does not.
        if (failure.kind === 'recipient') options.onPermanentFailure?.({ mail, error: failure.text });
        return 'sent';
      }
      if (failure.kind === 'server') {
        serverDown.push({ id: mail.id, error: failure.text });
        return 'server-down';
      }
      if (mail.attempts + 1 >= MAX_ATTEMPTS) await markFailed(mail.id, `${failure.text} (gave up after ${MAX_ATTEMPTS} tries)`);
      else await markRetry(mail.id, failure.text, new Date(Date.now() + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** mail.attempts)), true);
      return 'sent';
    }
    // Accepted: from here a failure to record it would send it again, so the write is retried.
    await recordSent(mail.id);
    return 'sent';
  };

  const tick = async (): Promise<void> => {
    if (stopped || running) return;
    const started = Date.now();
    let more = false;
    running = (async () => {
      const batch = await dueMail(started, perSecond, inFlight);
      more = batch.length === perSecond;
      for (const mail of batch) inFlight.add(mail.id);
      const results = await Promise.all(batch.map((mail) => sendOne(mail).finally(() => inFlight.delete(mail.id))));
      if (results.length > 0 && results.every((result) => result === 'sent')) serverDownMs = 0;
      if (serverDown.length > 0) {
        // One pause per tick, however many messages the dead connection took down with it.
        serverDownMs = Math.min(SERVER_DOWN_MAX_MS, serverDownMs ? serverDownMs * 2 : RETRY_FIRST_MS);
        const retryAt = new Date(Date.now() + serverDownMs);
        for (const { id, error } of serverDown) await markRetry(id, error, retryAt, false);
        serverDown = [];
        more = false;
        console.error(`[quire] mail: the SMTP server could not be reached; trying again in ${serverDownMs / 1000} s`);
      }
    })().catch((error: unknown) => console.error('[quire] mail: the outbox could not be read:', error));
    await running;
    running = undefined;
    const wait = serverDownMs || (more ? Math.max(0, spacingMs - (Date.now() - started)) : idleMs);
    schedule(wait);
  };

  schedule(0);

  return {
    wake: () => {
      if (!running && serverDownMs === 0) schedule(0);
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      transport.close();
    },
  };
}

type Failure = { kind: 'recipient' | 'refused' | 'message' | 'server'; text: string };

/**
 * What a failure says about the message. 5xx to RCPT: this recipient, for good (a bounce). 5xx to
 * DATA, a size refused (552), or nodemailer's own refusal of the message or envelope: this
 * message, for good. Another 4xx: this message, later. Anything else — no answer, a refused
 * connection, TLS, login, or MAIL FROM refused (the sender's address, which every message shares)
 * — is the server's, whose fault no message carries.
 */
function describe(error: unknown): Failure {
  const e = error as { responseCode?: number; response?: string; code?: string; command?: string; message?: string };
  const text = (e.response ?? e.message ?? String(error)).replace(/\s+/g, ' ').slice(0, 500);
  const code = e.responseCode;
  const command = (e.command ?? '').toUpperCase();
  if (e.code === 'EAUTH') return { kind: 'server', text: `The mail server could not take it: ${text}` };
  if (code && code >= 500 && command.startsWith('RCPT')) return { kind: 'recipient', text };
  if ((code && code >= 500 && (command.startsWith('DATA') || code === 552)) || (!code && (e.code === 'EMESSAGE' || e.code === 'EENVELOPE')))
    return { kind: 'refused', text };
  if (code && code >= 400 && code < 500 && code !== 421 && /^(RCPT|DATA)/.test(command)) return { kind: 'message', text };
  return { kind: 'server', text: `The mail server could not take it: ${text}` };
}

/** markSent, tried again for a few seconds if control.db is busy: a message accepted but not recorded would go twice. */
async function recordSent(id: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await markSent(id);
      return;
    } catch (error) {
      if (attempt >= 5) {
        console.error(`[quire] mail: message ${id} was accepted but could not be recorded as sent; it may go twice:`, error);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

function escapeAttribute(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
