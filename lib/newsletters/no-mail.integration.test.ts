import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { request, signUp, startServer, type ApiClient, type RunningServer } from '@/lib/testing/server';

/**
 * A server without an SMTP server: blogs show no subscribe form and take no subscriptions, the
 * dashboard says what mail would enable, and the list can still be imported and exported.
 */
let dataDir: string;
let server: RunningServer;
let alice: ApiClient;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-no-mail-'));
  server = await startServer(dataDir);
  alice = await signUp(server.port, {
    email: 'alice@example.com',
    password: 'a long enough passphrase',
    blog: { slug: 'alices', title: 'Alice' },
  });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('shows no form, refuses a subscription, and still imports and exports the list', async () => {
  const host = `alices.localhost:${server.port}`;
  const home = await request(server.port, host, '/');
  expect(home.status).toBe(200);
  expect(home.body).not.toContain('subscribe-form');

  const posted = await request(server.port, host, '/subscribe', {
    method: 'POST',
    body: 'email=reader%40example.net',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `http://${host}` },
  });
  expect(posted.status).toBe(404);
  expect(posted.body).toContain('This blog does not send posts by mail.');

  const page = await alice.call('GET', '/dashboard/alices/subscribers');
  expect(page.text).toContain('This server sends no mail yet');

  const imported = await fetch(`${alice.origin}/api/blogs/alices/subscribers/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', origin: alice.origin, cookie: alice.cookie },
    body: 'email\nreader@example.net\n',
  });
  expect(await imported.json()).toEqual({ report: { format: 'list', added: 1, kept: 0, skipped: 0, reasons: [] } });
  const exported = await alice.call('GET', '/api/blogs/alices/subscribers/export');
  expect(exported.text).toMatch(/^email,name,state,created_at,confirmed_at\r\nreader@example\.net,,active,\S+Z,\S+Z\r\n$/);
  expect((await alice.call('GET', '/api/blogs/alices/subscribers')).json).toMatchObject({ mailEnabled: false, counts: { active: 1 } });
});
