import dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import zlib from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { png } from '@/lib/testing/images';
import { FetchRefused, fetchPublic, type FetchPublicOptions } from './safe-fetch';

/**
 * With QUIRE_FETCH_ALLOW_LOOPBACK=1, as the import's tests run: real HTTP to servers on
 * 127.0.0.1 and ::1. Everything but loopback stays refused (safe-fetch-loopback-off.test.ts
 * has the setting off).
 */
process.env.QUIRE_FETCH_ALLOW_LOOPBACK = '1';

let image: Buffer;
const requests: { url: string; headers: http.IncomingHttpHeaders }[] = [];
let v4: http.Server;
let v6: http.Server;
let base: string; // http://127.0.0.1:<port>
let base6: string; // http://[::1]:<port>
let port: number;

function route(request: http.IncomingMessage, response: http.ServerResponse): void {
  requests.push({ url: request.url!, headers: request.headers });
  const [pathname, query] = request.url!.split('?');
  const hop = /^\/hop\/(\d+)$/.exec(pathname!);
  if (hop) {
    const left = Number(hop[1]);
    response.writeHead(302, { location: left === 0 ? '/image.png' : `/hop/${left - 1}` }).end();
    return;
  }
  switch (pathname) {
    case '/image.png':
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length }).end(image);
      return;
    case '/no-length': // chunked: the size is known only as it arrives
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(image.subarray(0, 100));
      response.end(image.subarray(100));
      return;
    case '/declared-big':
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': 50 * 1024 * 1024 });
      response.write(image.subarray(0, 100));
      return;
    case '/endless': {
      response.writeHead(200, { 'content-type': 'image/png' });
      const more = () => {
        if (!response.destroyed) response.write(Buffer.alloc(1024), () => setImmediate(more));
      };
      more();
      return;
    }
    case '/slow-body':
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length });
      response.write(image.subarray(0, 100));
      return;
    case '/silent':
      return;
    case '/truncated':
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length });
      response.write(image.subarray(0, 100), () => response.socket?.destroy());
      return;
    case '/gzip':
      response.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip' }).end(zlib.gzipSync(image));
      return;
    case '/relative':
      response.writeHead(301, { location: 'image.png?from=relative' }).end();
      return;
    case '/to':
      response.writeHead(307, { location: decodeURIComponent(query ?? '') }).end();
      return;
    case '/loop':
      response.writeHead(302, { location: '/loop' }).end();
      return;
    case '/no-location':
      response.writeHead(302).end();
      return;
    default:
      response.writeHead(404).end();
  }
}

function listen(host: string): Promise<http.Server> {
  const server = http.createServer(route);
  return new Promise((resolve) => server.listen(0, host, () => resolve(server)));
}

beforeAll(async () => {
  image = await png(40, 30);
  [v4, v6] = await Promise.all([listen('127.0.0.1'), listen('::1')]);
  port = (v4.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  base6 = `http://[::1]:${(v6.address() as AddressInfo).port}`;
});

afterAll(() => {
  for (const server of [v4, v6]) server.closeAllConnections();
  return Promise.all([v4, v6].map((server) => new Promise((resolve) => server.close(resolve))));
});

afterEach(() => {
  vi.restoreAllMocks();
});

const limits: FetchPublicOptions = { maxBytes: 1024 * 1024, timeoutMs: 5000 };

/** The reason the fetch was refused (fails the test if it was not). */
async function refusal(url: string, options: FetchPublicOptions = limits): Promise<string> {
  const error = await fetchPublic(url, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FetchRefused);
  return (error as FetchRefused).message;
}

/** Requests the test servers received while `run` ran. */
async function requestsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const before = requests.length;
  await run();
  return requests.slice(before).map((r) => r.url);
}

describe('fetchPublic', () => {
  it('fetches an image, naming itself and asking for no compression', async () => {
    const fetched = await fetchPublic(`${base}/image.png`, { ...limits, accept: 'image/*' });
    expect(fetched.bytes.equals(image)).toBe(true);
    expect(fetched.contentType).toBe('image/png');
    expect(fetched.finalUrl).toBe(`${base}/image.png`);
    const { headers } = requests.at(-1)!;
    expect(headers['user-agent']).toBe('Quire-Import/1 (+self-hosted blog import)');
    expect(headers.accept).toBe('image/*');
    expect(headers['accept-encoding']).toBeUndefined();
    expect(headers.host).toBe(`127.0.0.1:${port}`);
  });

  it('fetches a body sent without Content-Length, and one exactly maxBytes long', async () => {
    expect((await fetchPublic(`${base}/no-length`, limits)).bytes.equals(image)).toBe(true);
    expect((await fetchPublic(`${base}/image.png`, { ...limits, maxBytes: image.length })).bytes.equals(image)).toBe(true);
  });

  it('reaches loopback in every spelling while the setting admits it (the other file shows each refused without it)', async () => {
    for (const host of ['127.0.0.1', '127.1', '2130706433', '0x7f.1', '0177.0.0.1', '[::ffff:127.0.0.1]', 'localhost']) {
      expect((await fetchPublic(`http://${host}:${port}/image.png`, limits)).bytes.equals(image)).toBe(true);
    }
    expect((await fetchPublic(`${base6}/image.png`, limits)).bytes.equals(image)).toBe(true);
  });

  it('follows redirects, relative ones too, and says where it ended', async () => {
    const fetched = await fetchPublic(`${base}/relative`, limits);
    expect(fetched.bytes.equals(image)).toBe(true);
    expect(fetched.finalUrl).toBe(`${base}/image.png?from=relative`);
    expect((await fetchPublic(`${base}/to?${encodeURIComponent(`${base6}/image.png`)}`, limits)).finalUrl).toBe(`${base6}/image.png`);
  });

  it('follows 5 redirects and refuses a sixth, or a loop', async () => {
    expect((await fetchPublic(`${base}/hop/4`, limits)).bytes.equals(image)).toBe(true); // 5 redirects
    expect(await requestsDuring(async () => expect(await refusal(`${base}/hop/5`)).toBe('too many redirects'))).toEqual([
      '/hop/5',
      '/hop/4',
      '/hop/3',
      '/hop/2',
      '/hop/1',
      '/hop/0',
    ]);
    expect(await refusal(`${base}/loop`)).toBe('too many redirects');
  });

  it('checks every redirect target from the start', async () => {
    const to = (target: string) => `${base}/to?${encodeURIComponent(target)}`;
    expect(await refusal(to('http://169.254.169.254/latest/meta-data/'))).toBe('the address is private (169.254.169.254)');
    expect(await refusal(to('http://[fd00::1]/'))).toBe('the address is private (fd00::1)');
    expect(await refusal(to('file:///etc/passwd'))).toBe('only http and https are fetched');
    expect(await refusal(to('gopher://127.0.0.1:70/'))).toBe('only http and https are fetched');
    expect(await refusal(to(`http://user:secret@127.0.0.1:${port}/image.png`))).toBe('the address carries a user name or password');
    expect(await refusal(to('http://127.0.0.1:25/'))).toBe('port 25 is not fetched (only 80, 443 and 1024 up)');
    expect(await refusal(to('http://[::1'))).toBe('it redirected to something that is not an address');
    expect(await refusal(`${base}/no-location`)).toBe('it answered 302');
  });

  it('never admits a private, link-local, reserved or special address, however it is written', async () => {
    const started = Date.now();
    for (const [host, address] of [
      ['10.0.0.5', '10.0.0.5'],
      ['167772165', '10.0.0.5'], // decimal
      ['0xa.0.0.5', '10.0.0.5'], // hex
      ['012.0.0.5', '10.0.0.5'], // octal
      ['172.16.0.1', '172.16.0.1'],
      ['192.168.1.1', '192.168.1.1'],
      ['169.254.169.254', '169.254.169.254'],
      ['100.64.0.1', '100.64.0.1'],
      ['0.0.0.0', '0.0.0.0'],
      ['0', '0.0.0.0'],
      ['192.0.2.1', '192.0.2.1'],
      ['224.0.0.1', '224.0.0.1'],
      ['255.255.255.255', '255.255.255.255'],
      ['[::]', '::'],
      ['[fd00::1]', 'fd00::1'],
      ['[fe80::1]', 'fe80::1'],
      ['[ff02::1]', 'ff02::1'],
      ['[::ffff:10.0.0.5]', '::ffff:a00:5'], // IPv4-mapped
      ['[::ffff:169.254.169.254]', '::ffff:a9fe:a9fe'],
      ['[::a9fe:a9fe]', '::a9fe:a9fe'], // IPv4-compatible
      ['[64:ff9b::a9fe:a9fe]', '64:ff9b::a9fe:a9fe'], // NAT64
      ['[2002:a9fe:a9fe::1]', '2002:a9fe:a9fe::1'], // 6to4
      ['[2001:0:a9fe:a9fe::1]', '2001:0:a9fe:a9fe::1'], // Teredo
    ]) {
      expect(await refusal(`http://${host}:${port}/image.png`, { ...limits, timeoutMs: 10_000 }), host).toBe(
        `the address is private (${address})`,
      );
    }
    expect(Date.now() - started).toBeLessThan(1000); // checked, not tried: a connection would wait
  });

  it("refuses this server's own addresses, which a firewall does not hide from it", async () => {
    vi.spyOn(os, 'networkInterfaces').mockReturnValue({
      eth0: [{ address: '93.184.215.14', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:01', internal: false, cidr: null }],
    });
    expect(await refusal('http://93.184.215.14:6379/')).toBe("the address is this server's own (93.184.215.14)");
    expect(await refusal('http://[::ffff:93.184.215.14]:8080/')).toBe("the address is this server's own (::ffff:5db8:d70e)");
  });

  it('refuses other schemes, credentials, low ports and what is not a URL, before any request', async () => {
    const refused = await requestsDuring(async () => {
      for (const url of ['ftp://127.0.0.1/x.png', 'file:///etc/passwd', 'data:image/png;base64,AAAA', 'javascript:alert(1)']) {
        expect(await refusal(url)).toBe('only http and https are fetched');
      }
      expect(await refusal(`http://user:secret@127.0.0.1:${port}/image.png`)).toBe('the address carries a user name or password');
      expect(await refusal(`http://user@127.0.0.1:${port}/image.png`)).toBe('the address carries a user name or password');
      expect(await refusal('http://127.0.0.1:22/')).toBe('port 22 is not fetched (only 80, 443 and 1024 up)');
      expect(await refusal('/images/a.png')).toBe('it is not an address');
      expect(await refusal(`${base}/${'a'.repeat(9000)}`)).toBe('the address is too long');
    });
    expect(refused).toEqual([]);
  });

  it('refuses a body larger than maxBytes, declared or not, without waiting for the rest', async () => {
    const small = { ...limits, maxBytes: 4096 };
    expect(await refusal(`${base}/declared-big`, small)).toBe('it is larger than 4 KB');
    expect(await refusal(`${base}/endless`, small)).toBe('it is larger than 4 KB'); // a timeout if it kept reading
    expect(await refusal(`${base}/image.png`, { ...limits, maxBytes: image.length - 1 })).toBe(
      `it is larger than ${image.length - 1} bytes`,
    );
    expect(await refusal(`${base}/no-length`, { ...limits, maxBytes: image.length - 1 })).toBe(
      `it is larger than ${image.length - 1} bytes`,
    );
    expect(await refusal(`${base}/declared-big`, { ...limits, maxBytes: 10 * 1024 * 1024 })).toBe('it is larger than 10 MB');
  });

  it('gives up at the deadline, whatever stage the answer is at', async () => {
    for (const path of ['/silent', '/slow-body']) {
      const started = Date.now();
      expect(await refusal(`${base}${path}`, { ...limits, timeoutMs: 300 })).toBe('it took longer than 0.3 s');
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  it("stops when the caller's signal aborts, with the caller's reason", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the import stopped')), 100);
    await expect(fetchPublic(`${base}/silent`, { ...limits, signal: controller.signal })).rejects.toThrow('the import stopped');
  });

  it('says what the server answered when it was not the file', async () => {
    expect(await refusal(`${base}/missing.png`)).toBe('it answered 404');
    expect(await refusal(`${base}/gzip`)).toBe('it answered compressed (gzip)');
    expect(await refusal(`${base}/truncated`)).toBe('the connection closed before the end');
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await refusal(`http://127.0.0.1:${closedPort}/`)).toBe('it could not be reached (ECONNREFUSED)');
  });
});

describe('fetchPublic and names', () => {
  type Lookup = (hostname: string) => Promise<dns.LookupAddress[]>;
  const answer = (table: Record<string, string[][]>) => {
    const calls: string[] = [];
    const lookup: Lookup = (hostname) => {
      calls.push(hostname);
      const answers = table[hostname];
      if (!answers) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
      const addresses = answers.length > 1 ? answers.shift()! : answers[0]!;
      return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    };
    vi.spyOn(dns.promises, 'lookup').mockImplementation(lookup as unknown as typeof dns.promises.lookup);
    return calls;
  };

  it('resolves a name once and connects to the address it checked (DNS rebinding)', async () => {
    // The system resolver does not know this name: only the checked answer can have reached the server.
    const calls = answer({ 'images.rebind.test': [['127.0.0.1'], ['10.0.0.5']] });
    const fetched = await fetchPublic(`http://images.rebind.test:${port}/image.png`, limits);
    expect(fetched.bytes.equals(image)).toBe(true);
    expect(fetched.finalUrl).toBe(`http://images.rebind.test:${port}/image.png`);
    expect(requests.at(-1)!.headers.host).toBe(`images.rebind.test:${port}`);
    expect(calls).toEqual(['images.rebind.test']);
  });

  it('refuses a name if any of its addresses is private, whichever comes first', async () => {
    answer({ 'mixed.example': [['93.184.215.14', '10.0.0.5']], 'mixed6.example': [['fd12::1', '93.184.215.14']] });
    expect(await refusal('http://mixed.example/a.png')).toBe('the name resolves to a private address (10.0.0.5)');
    expect(await refusal('https://mixed6.example/a.png')).toBe('the name resolves to a private address (fd12::1)');
  });

  it('checks the name of every redirect target', async () => {
    answer({ 'metadata.example': [['169.254.169.254']] });
    expect(await refusal(`${base}/to?${encodeURIComponent('http://metadata.example/latest/')}`)).toBe(
      'the name resolves to a private address (169.254.169.254)',
    );
  });

  it('says when a name does not resolve', async () => {
    answer({});
    expect(await refusal('https://gone.example/a.png')).toBe('the name does not resolve');
  });
});
