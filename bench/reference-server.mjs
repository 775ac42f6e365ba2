// The raw `node:http` reference for bench/pages.ts: serves one body, held in memory, to every
// request. Plain JavaScript on purpose, so it runs with no loader: `node reference-server.mjs
// <body-file>` with PORT set; prints "reference server on port N" once listening.
import fs from 'node:fs';
import http from 'node:http';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/reference-server.mjs <body-file>');
  process.exit(2);
}
const body = fs.readFileSync(file);
const headers = { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length };

const server = http.createServer((req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`reference server on port ${typeof address === 'object' && address ? address.port : '?'}`);
});

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
