import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports';

export type ReceivedMail = {
  /** The envelope's recipients (RCPT TO), as the server saw them. */
  to: string[];
  from: string;
  raw: string;
  parsed: ParsedMail;
  messageId: string;
};

export type SmtpRecorder = {
  port: number;
  /** `smtp://127.0.0.1:<port>`, for QUIRE_SMTP_URL. */
  url: string;
  received: ReceivedMail[];
  /** Recipients refused for good at RCPT TO (550), as a vanished mailbox is. */
  refuse: Set<string>;
  /** Recipients whose message is refused for good after DATA (554), as content a server will not take. */
  refuseMessageTo: Set<string>;
  /** Waits until `count` messages matching `match` have arrived; returns them. */
  waitFor(match: (mail: ReceivedMail) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Stops listening and drops open connections (a server going down mid-send). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
};

/**
 * A real SMTP server on loopback (the `smtp-server` package) that keeps every message it
 * accepts, parsed with `mailparser`: what the tests read instead of a mailbox. Any user name
 * and password are accepted when given; no TLS (loopback).
 */
export async function startSmtpRecorder(port?: number): Promise<SmtpRecorder> {
  const received: ReceivedMail[] = [];
  const refuse = new Set<string>();
  const refuseMessageTo = new Set<string>();
  const listeners = new Set<() => void>();
  let server: SMTPServer | undefined;
  let stopping = false;
  const chosenPort = port ?? (await freePort());

  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 25 * 1024 * 1024,
      onAuth: (_auth, _session, callback) => callback(null, { user: 'test' }),
      onRcptTo: (address, _session, callback) => {
        if (refuse.has(address.address.toLowerCase())) {
          const error = new Error('5.1.1 No such mailbox here') as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          // Accepted (250) or not is decided here, at once, as a real server commits its queue
          // file and answers: a server going down refuses what it has not answered yet.
          if (stopping) {
            const error = new Error('4.3.2 Shutting down') as Error & { responseCode: number };
            error.responseCode = 421;
            return callback(error);
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          const to = session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase());
          if (to.some((address) => refuseMessageTo.has(address))) {
            const error = new Error('5.7.1 Message refused as spam') as Error & { responseCode: number };
            error.responseCode = 554;
            return callback(error);
          }
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          callback();
          void simpleParser(raw).then((parsed) => {
            received.push({ to, from, raw, parsed, messageId: parsed.messageId ?? '' });
            for (const listener of listeners) listener();
          });
        });
      },
    });

  const start = async () => {
    stopping = false;
    server = create();
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(chosenPort, '127.0.0.1', () => resolve());
    });
    server.on('error', () => {});
  };
  await start();

  return {
    port: chosenPort,
    url: `smtp://127.0.0.1:${chosenPort}`,
    received,
    refuse,
    refuseMessageTo,
    waitFor(match, count = 1, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.filter(match);
          if (found.length >= count) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `Expected ${count} matching message(s) within ${timeoutMs} ms; got ${received.filter(match).length} of ${received.length}.`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop() {
      const current = server;
      server = undefined;
      stopping = true;
      if (!current) return;
      // close() waits for clients to leave; the connections are dropped as a crash would.
      const closed = new Promise<void>((resolve) => current.close(() => resolve()));
      for (const connection of (current as unknown as { connections: Set<{ close(): void }> }).connections ?? []) connection.close();
      await closed;
    },
    start,
  };
}

/** The address every test server's mail is from. */
export const TEST_MAIL_FROM = 'mail@quire.test';

/** The settings that send a test server's mail to `smtp` (fast: 200 a second). */
export function mailSettings(smtp: SmtpRecorder): Record<string, string> {
  return { QUIRE_SMTP_URL: smtp.url, QUIRE_MAIL_FROM: `Quire <${TEST_MAIL_FROM}>`, QUIRE_MAIL_PER_SECOND: '200' };
}
