import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { closeControlDb } from '@/lib/db/control';
import { runSendLoop } from './send-loop';
import type { SenderMessage, SenderCommand } from './sender';

/**
 * The mail sender's thread (started by sender.ts). Building a message (MIME, quoted-printable
 * of a whole post, once per reader) costs milliseconds that grow with the post: here, not on the
 * thread that serves every blog. The thread runs below the server's priority, as the worker
 * pool's do, opens control.db for itself, and tells the server of permanent failures (a bounced
 * reader is marked in the blog's file there, where blog files are opened).
 */
try {
  // Linux: /proc/thread-self names this thread's id; a nice value on it affects this thread only.
  const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 10);
} catch {
  // Elsewhere it sends at the server's priority.
}

const port = parentPort!;
const post = (message: SenderMessage) => port.postMessage(message);
const loop = runSendLoop({
  idleMs: (workerData as { idleMs?: number }).idleMs,
  onPermanentFailure: (failure) => post({ type: 'permanent-failure', failure }),
});
port.on('message', (command: SenderCommand) => {
  if (command === 'wake') loop.wake();
  else if (command === 'stop') {
    void loop
      .stop()
      .then(closeControlDb)
      .then(() => post({ type: 'stopped' }));
  }
});
post({ type: 'ready' });
