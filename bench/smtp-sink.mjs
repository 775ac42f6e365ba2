// A loopback SMTP server for bench:newsletter that accepts everything and only counts (no
// parsing), in its own process so that it is not what limits the sender. GET / on
// SINK_HTTP_PORT answers the count as JSON.
import http from 'node:http';
import { SMTPServer } from 'smtp-server';

let messages = 0;
let bytes = 0;
const recipients = new Set();
let duplicates = 0;
// The newsletter's readers (reader<N>@): other mail (the accounts' verification links) is counted apart.
let readers = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  maxClients: 100,
  onData(stream, session, callback) {
    stream.on('data', (chunk) => (bytes += chunk.length));
    stream.on('end', () => {
      messages++;
      for (const rcpt of session.envelope.rcptTo) {
        const address = rcpt.address.toLowerCase();
        if (recipients.has(address)) duplicates++;
        if (address.startsWith('reader')) readers++;
        recipients.add(address);
      }
      callback();
    });
  },
});
smtp.listen(Number(process.env.PORT), '127.0.0.1', () => {
  http
    .createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ messages, readers, bytes, recipients: recipients.size, duplicates }));
    })
    .listen(Number(process.env.SINK_HTTP_PORT), '127.0.0.1', () => console.log(`smtp sink on port ${process.env.PORT}`));
});
process.on('SIGTERM', () => process.exit(0));
