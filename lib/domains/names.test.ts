import { describe, expect, it } from 'vitest';
import { domainSchema, IP_ADDRESS_REFUSED, refusedDomainReason } from './names';

const parse = (value: string) => {
  const result = domainSchema.safeParse(value);
  return result.success ? { domain: result.data } : { error: result.error.issues[0]!.message };
};

describe('domain names', () => {
  it('trims a pasted URL to its host, lower-cased and in ASCII', () => {
    expect(parse('https://Blog.Example.org/posts?x=1')).toEqual({ domain: 'blog.example.org' });
    expect(parse('bücher.example.org.')).toEqual({ domain: 'xn--bcher-kva.example.org' });
  });

  it('refuses IP addresses however they are written', () => {
    for (const value of [
      '192.168.1.10',
      '127.1',
      '0x7f.0.0.1',
      '0x7f000001',
      '::1',
      '[::1]',
      'http://[fe80::1]:8080/',
      '169.254.169.254:80',
      '[::ffff:127.0.0.1]',
    ]) {
      expect(parse(value), value).toEqual({ error: IP_ADDRESS_REFUSED });
    }
  });

  it('refuses what is not a host name', () => {
    for (const value of ['not a domain', 'a..b.com', `${'a'.repeat(64)}.com`, 'user@example.org', 'example.123', '-x.example.org']) {
      expect(parse(value).error, value).toMatch(/is not a domain name/);
    }
  });

  describe('names that cannot be public', () => {
    const cfg = { rootHostname: 'blogs.example.com' };

    it('refuses the platform’s domain, its subdomains and its apex', () => {
      for (const domain of ['blogs.example.com', 'alice.blogs.example.com', 'example.com']) {
        expect(refusedDomainReason(domain, cfg), domain).toBe(
          `${domain} belongs to this platform; the blog already has blogs.example.com addresses.`,
        );
      }
      // Only the apex itself: its other subdomains are the operator's to hand out.
      expect(refusedDomainReason('www.example.com', cfg)).toBeUndefined();
    });

    it('refuses loopback, local, private and reserved names, and single labels', () => {
      for (const domain of [
        'localhost',
        'a.localhost',
        'printer.local',
        'db.internal',
        '1.0.0.127.in-addr.arpa',
        'x.test',
        'x.example',
        'x.invalid',
      ]) {
        expect(refusedDomainReason(domain, cfg), domain).toMatch(/is not a public name: names under \.\w+ never reach readers/);
      }
      expect(refusedDomainReason('intranet', cfg)).toMatch(/is a single name, not a domain/);
    });

    it('accepts public names, including under example.org', () => {
      for (const domain of ['alice-writes.example.org', 'blog.example.net', 'xn--bcher-kva.example.org', 'my-test.dev']) {
        expect(refusedDomainReason(domain, cfg), domain).toBeUndefined();
      }
    });

    it('looks for no apex above a platform on an IP address or on localhost', () => {
      expect(refusedDomainReason('example.org', { rootHostname: '10.0.0.1' })).toBeUndefined();
      expect(refusedDomainReason('example.org', { rootHostname: 'localhost' })).toBeUndefined();
    });
  });
});
