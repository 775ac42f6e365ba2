import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchRefused, fetchPublic } from './safe-fetch';

/**
 * As in production: QUIRE_FETCH_ALLOW_LOOPBACK unset. Servers listen on 127.0.0.1 and ::1 and
 * count connections, and no spelling of loopback may reach them (safe-fetch.test.ts shows the
 * same spellings reaching them when the setting admits loopback).
 */
delete process.env.QUIRE_FETCH_ALLOW_LOOPBACK;

let connections = 0;
const servers: http.Server[] = [];
let port: number;
let port6: number;

async function listen(host: string): Promise<number> {
  const server = http.createServer((_request, response) => response.end('secret'));
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  [port, port6] = await Promise.all([listen('127.0.0.1'), listen('::1')]);
});

afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

async function refusal(url: string): Promise<string> {
  const error = await fetchPublic(url, { maxBytes: 1024, timeoutMs: 10_000 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, url).toBeInstanceOf(FetchRefused);
  return (error as FetchRefused).message;
}

describe('fetchPublic without the test setting', () => {
  it('refuses loopback in every spelling before connecting', async () => {
    const started = Date.now();
    for (const host of ['127.0.0.1', '127.1', '127.255.255.254', '2130706433', '0x7f.1', '0x7f000001', '0177.0.0.1']) {
      expect(await refusal(`http://${host}:${port}/`)).toMatch(/^the address is private \(127\.\d+\.\d+\.\d+\)$/);
    }
    expect(await refusal(`http://[::ffff:127.0.0.1]:${port}/`)).toBe('the address is private (::ffff:7f00:1)');
    expect(await refusal(`http://[::1]:${port6}/`)).toBe('the address is private (::1)');
    expect(await refusal(`http://0.0.0.0:${port}/`)).toBe('the address is private (0.0.0.0)'); // Linux connects 0.0.0.0 to loopback
    expect(await refusal(`http://[::]:${port6}/`)).toBe('the address is private (::)');
    expect(await refusal(`https://localhost:${port}/`)).toMatch(/^the name resolves to a private address \((127\.0\.0\.1|::1)\)$/);
    expect(connections).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
