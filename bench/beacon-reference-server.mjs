// The raw `node:http` beacon reference for bench/pageviews.ts (docs/architecture.md, "The front":
// "raw node:http beacon POST (JSON parse + Map increment)"): reads the body, parses it, adds one to
// a Map entry per host and page, answers 204. No validation, no database. Plain JavaScript on
// purpose, so it runs with no loader: `node bench/beacon-reference-server.mjs` with PORT set;
// prints "beacon reference server on port N" once listening.
import http from 'node:http';

const counts = new Map();

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let status = 204;
    try {
      const beacon = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const key = `${req.headers.host}|${beacon.p}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      status = 400;
    }
    res.writeHead(status, { 'Cache-Control': 'no-store', 'Content-Length': 0 });
    res.end();
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`beacon reference server on port ${typeof address === 'object' && address ? address.port : '?'}`);
});

process.on('SIGTERM', () => {
  let views = 0;
  for (const n of counts.values()) views += n;
  console.log(`beacon reference server counted ${views} beacons`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
