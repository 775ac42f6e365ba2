// Docker HEALTHCHECK: GET /api/health on the root host; exit 0 only for { ok: true }.
import http from 'node:http';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.QUIRE_ROOT_DOMAIN ?? `localhost:${port}`;
const req = http.get({ host: '127.0.0.1', port, path: '/api/health', headers: { host }, timeout: 4000 }, (res) => {
  let body = '';
  res.on('data', (chunk) => (body += chunk));
  res.on('end', () => {
    try {
      process.exit(res.statusCode === 200 && JSON.parse(body).ok === true ? 0 : 1);
    } catch {
      process.exit(1);
    }
  });
});
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
