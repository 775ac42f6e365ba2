// The raw `node:http` reference for bench/pages.ts: serves one body, held in memory, to every
// request; given a second file (the same page as Brotli), serves that one, with
// `Content-Encoding: br`, to a request whose Accept-Encoding names br. Plain JavaScript on
// purpose, so it runs with no loader: `node reference-server.mjs <body-file> [<br-body-file>]`
// with PORT set; prints "reference server on port N" once listening.
import fs from 'node:fs';
import http from 'node:http';

const [file, brotliFile] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/reference-server.mjs <body-file> [<br-body-file>]');
  process.exit(2);
}
const body = fs.readFileSync(file);
const headers = { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, Vary: 'Accept-Encoding' };
const brotli = brotliFile ? fs.readFileSync(brotliFile) : undefined;
const brotliHeaders = brotli && { ...headers, 'Content-Encoding': 'br', 'Content-Length': brotli.length };

const server = http.createServer((req, res) => {
  if (brotli && req.headers['accept-encoding']?.includes('br')) {
    res.writeHead(200, brotliHeaders);
    res.end(brotli);
    return;
  }
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
