import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { appRoot, config } from '@/lib/config';
import { threadModule } from '@/lib/process/thread-module';
import { onMailSenderWake } from './outbox';
import type { PermanentFailure } from './send-loop';

export type { PermanentFailure } from './send-loop';

export type SenderCommand = 'wake' | 'stop';
export type SenderMessage = { type: 'ready' } | { type: 'stopped' } | { type: 'permanent-failure'; failure: PermanentFailure };

export type MailSenderOptions = {
  /** A message refused for good: called on this thread (newsletters mark the reader bounced); a promise it returns is awaited. */
  onPermanentFailure?: (failure: PermanentFailure) => unknown;
  /** How often the outbox is looked at when idle (an enqueue wakes the sender at once). */
  idleMs?: number;
};

/**
 * Starts the outbox's sender on a thread of its own (sender-thread.ts, the loop in send-loop.ts;
 * docs/architecture.md, "Mail"). Nothing when no SMTP server is configured. Returns the stop,
 * which lets a message being handed over finish and be marked before it resolves.
 */
export function startMailSender(options: MailSenderOptions = {}): () => Promise<void> {
  const cfg = config();
  if (!cfg.smtpUrl || !cfg.mailFrom) return async () => {};
  let stopping = false;
  let worker: Worker;
  let stopped: () => void = () => {};
  const stoppedOnce = new Promise<void>((resolve) => (stopped = resolve));
  const recordFailure = async (failure: PermanentFailure) => {
    try {
      await options.onPermanentFailure?.(failure);
    } catch (error) {
      console.error(`[quire] mail: a refusal for ${failure.mail.to} could not be recorded:`, error);
    }
  };
  const start = (restartMs: number) => {
    worker = new Worker(path.join(appRoot(), 'lib', 'process', 'ts-worker.mjs'), {
      workerData: { module: threadModule('lib/mail/sender-thread.ts'), idleMs: options.idleMs },
    });
    worker.on('message', (message: SenderMessage) => {
      if (message.type === 'permanent-failure') void recordFailure(message.failure);
      else if (message.type === 'stopped') stopped();
    });
    worker.on('error', (error) => console.error('[quire] mail: the sender thread failed:', error));
    worker.on('exit', () => {
      if (stopping) return stopped();
      // Mail must not stop until the next restart of the server: a new thread, after a pause that
      // doubles while it keeps dying (the outbox keeps every message meanwhile).
      console.error(`[quire] mail: the sender thread stopped; starting another in ${restartMs / 1000} s`);
      setTimeout(() => stopping || start(Math.min(restartMs * 2, 5 * 60_000)), restartMs).unref();
    });
    worker.unref();
  };
  start(1000);
  onMailSenderWake(() => worker.postMessage('wake' satisfies SenderCommand));
  return async () => {
    stopping = true;
    onMailSenderWake(undefined);
    worker.postMessage('stop' satisfies SenderCommand);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
    await Promise.race([stoppedOnce, timeout]);
    await worker.terminate();
  };
}
