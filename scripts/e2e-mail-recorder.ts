/**
 * The e2e server's mailbox (started by scripts/e2e-server.sh): a real SMTP server on loopback
 * (lib/testing/smtp.ts) that the platform sends to, and a loopback HTTP server from which the
 * specs read what arrived: `GET /messages` → `[{ to, subject, text }]`.
 * Usage: node --import tsx scripts/e2e-mail-recorder.ts <smtp port> <http port>
 */
import http from 'node:http';
import { startSmtpRecorder } from '../lib/testing/smtp';

const [smtpPort, httpPort] = process.argv.slice(2).map(Number);
const smtp = await startSmtpRecorder(smtpPort);
http
  .createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/messages') {
      res.writeHead(404).end();
      return;
    }
    const messages = smtp.received.map((mail) => ({ to: mail.to, subject: mail.parsed.subject ?? '', text: mail.parsed.text ?? '' }));
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(messages));
  })
  .listen(httpPort, '127.0.0.1', () =>
    console.log(`[e2e] mail recorder: SMTP on ${smtpPort}, messages on http://127.0.0.1:${httpPort}/messages`),
  );
