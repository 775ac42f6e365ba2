import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustedProxies } from './client-address';

describe('clientAddress', () => {
  const proxies = parseTrustedProxies('127.0.0.1, ::1, 10.0.0.0/8');
  const none = parseTrustedProxies('');

  it.each([
    ['a direct client, header ignored', '203.0.113.9', '198.51.100.1', proxies, '203.0.113.9'],
    ['nothing trusted: every header ignored', '127.0.0.1', '198.51.100.1', none, '127.0.0.1'],
    ['behind a trusted proxy', '127.0.0.1', '198.51.100.1', proxies, '198.51.100.1'],
    ['an IPv4 peer on a dual-stack socket', '::ffff:127.0.0.1', '198.51.100.1', proxies, '198.51.100.1'],
    ['hops the client wrote are not believed', '127.0.0.1', '1.2.3.4, 198.51.100.1', proxies, '198.51.100.1'],
    ['a chain of trusted proxies is skipped', '127.0.0.1', '198.51.100.1, 10.1.2.3', proxies, '198.51.100.1'],
    ['a malformed hop: the peer', '127.0.0.1', 'evil, 10.1.2.3', proxies, '127.0.0.1'],
    ['no header behind a proxy: the proxy', '::1', undefined, proxies, '::1'],
    ['an untrusted peer in the private range', '192.168.1.5', '198.51.100.1', proxies, '192.168.1.5'],
  ])('%s', (_what, peer, header, list, expected) => {
    expect(clientAddress(peer, header, list)).toBe(expected);
  });

  it('refuses a bad entry with a sentence', () => {
    expect(() => parseTrustedProxies('127.0.0.1, proxy.internal')).toThrow(
      'QUIRE_TRUSTED_PROXIES: "proxy.internal" is not an IP address or CIDR range',
    );
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/impossible prefix length/);
  });
});
