import { describe, expect, it } from 'vitest';
import { parseHost } from './host';

const ROOT = 'example.com';

describe('parseHost', () => {
  it('recognises the root host, with or without a port', () => {
    expect(parseHost('example.com', ROOT)).toEqual({ kind: 'root' });
    expect(parseHost('example.com:3000', ROOT)).toEqual({ kind: 'root' });
  });

  it('maps a subdomain to its blog slug', () => {
    expect(parseHost('alice.example.com', ROOT)).toEqual({ kind: 'blog', slug: 'alice' });
    expect(parseHost('my-blog-2.example.com:8080', ROOT)).toEqual({ kind: 'blog', slug: 'my-blog-2' });
  });

  it('treats uppercase as the same host', () => {
    expect(parseHost('ALICE.Example.COM', ROOT)).toEqual({ kind: 'blog', slug: 'alice' });
  });

  it('accepts one trailing dot (the fully-qualified spelling)', () => {
    expect(parseHost('alice.example.com.', ROOT)).toEqual({ kind: 'blog', slug: 'alice' });
    expect(parseHost('alice.example.com.:3000', ROOT)).toEqual({ kind: 'blog', slug: 'alice' });
    expect(parseHost('alice.example.com..', ROOT).kind).toBe('invalid');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['empty label', 'alice..example.com'],
    ['leading dot', '.example.com'],
    ['dot-dot path', '../example.com'],
    ['percent-encoded dot', 'alice%2eexample.com'],
    ['percent-encoded slug', '%61lice.example.com'],
    ['slash', 'alice/x.example.com'],
    ['space', 'alice .example.com'],
    ['underscore', 'al_ice.example.com'],
    ['hyphen at start', '-alice.example.com'],
    ['hyphen at end', 'alice-.example.com'],
    ['label over 63 chars', `${'a'.repeat(64)}.example.com`],
    ['host over 253 chars', `${'a.'.repeat(125)}b.example.com`],
    ['non-numeric port', 'alice.example.com:http'],
    ['port zero', 'alice.example.com:0'],
    ['port too large', 'alice.example.com:70000'],
    ['IPv4 literal', '127.0.0.1'],
    ['IPv4 literal with port', '127.0.0.1:3000'],
    ['IPv6 literal', '[::1]:3000'],
    ['IPv6 unbracketed', '::1'],
    ['unicode', 'alïce.example.com'],
    ['nested subdomain', 'a.b.example.com'],
    ['reserved name', 'www.example.com'],
    ['reserved name, other case', 'API.example.com'],
    ['punycode label (reserved prefix)', 'xn--80ak6aa92e.example.com'],
    ['null byte', 'alice\u0000.example.com'],
  ])('rejects %s', (_name, host) => {
    expect(parseHost(host, ROOT).kind).toBe('invalid');
  });

  it('passes a well-formed name outside the platform on as a possible custom domain', () => {
    expect(parseHost('alice.evil.com', ROOT)).toEqual({ kind: 'custom', hostname: 'alice.evil.com' });
    expect(parseHost('Blog.NotExample.com.:443', ROOT)).toEqual({ kind: 'custom', hostname: 'blog.notexample.com' });
    expect(parseHost('xn--80ak6aa92e.com', ROOT)).toEqual({ kind: 'custom', hostname: 'xn--80ak6aa92e.com' });
    expect(parseHost('intranet', ROOT).kind).toBe('invalid'); // a single label is no domain
  });

  it('accepts the longest valid label', () => {
    const slug = `a${'b'.repeat(61)}c`;
    expect(parseHost(`${slug}.example.com`, ROOT)).toEqual({ kind: 'blog', slug });
  });

  it('works with localhost as the root', () => {
    expect(parseHost('demo.localhost:3000', 'localhost')).toEqual({ kind: 'blog', slug: 'demo' });
    expect(parseHost('localhost:3000', 'localhost')).toEqual({ kind: 'root' });
  });
});
