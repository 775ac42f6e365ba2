import { describe, expect, it } from 'vitest';
import { blogUrl, platformUrl, readConfig } from './index';

describe('QUIRE_HTTPS', () => {
  const urls = (env: Record<string, string>) => {
    const cfg = readConfig(env);
    return [platformUrl(cfg), blogUrl('alice', cfg)];
  };

  it('auto: HTTPS unless the platform is on localhost or under .localhost', () => {
    expect(urls({ QUIRE_ROOT_DOMAIN: 'blogs.example.com' })).toEqual(['https://blogs.example.com', 'https://alice.blogs.example.com']);
    expect(urls({ PORT: '3000' })).toEqual(['http://localhost:3000', 'http://alice.localhost:3000']);
    expect(urls({ QUIRE_ROOT_DOMAIN: 'quire.localhost:8080', QUIRE_HTTPS: 'auto' })).toEqual([
      'http://quire.localhost:8080',
      'http://alice.quire.localhost:8080',
    ]);
  });

  it('on and off say so whatever the host', () => {
    expect(urls({ QUIRE_ROOT_DOMAIN: 'localhost:8443', QUIRE_HTTPS: 'on' })).toEqual([
      'https://localhost:8443',
      'https://alice.localhost:8443',
    ]);
    expect(urls({ QUIRE_ROOT_DOMAIN: 'blogs.example.com', QUIRE_HTTPS: 'off' })).toEqual([
      'http://blogs.example.com',
      'http://alice.blogs.example.com',
    ]);
  });

  it('anything else is refused in one sentence', () => {
    expect(() => readConfig({ QUIRE_HTTPS: 'yes' })).toThrow('Invalid setting QUIRE_HTTPS: QUIRE_HTTPS must be on, off or auto');
  });
});

describe('QUIRE_FETCH_ALLOW_LOOPBACK', () => {
  it('is off unless set to 1, and nothing else is taken for yes', () => {
    expect(readConfig({}).fetchAllowLoopback).toBe(false);
    expect(readConfig({ QUIRE_FETCH_ALLOW_LOOPBACK: '0' }).fetchAllowLoopback).toBe(false);
    expect(readConfig({ QUIRE_FETCH_ALLOW_LOOPBACK: '1' }).fetchAllowLoopback).toBe(true);
    expect(() => readConfig({ QUIRE_FETCH_ALLOW_LOOPBACK: 'true' })).toThrow('QUIRE_FETCH_ALLOW_LOOPBACK must be 0 or 1');
  });
});

describe('mail settings', () => {
  it('send nothing without an SMTP server, and take a From with or without a name', () => {
    expect(readConfig({}).smtpUrl).toBeUndefined();
    expect(readConfig({ QUIRE_MAIL_FROM: 'a@example.org' }).mailFrom).toBeUndefined();
    const smtp = 'smtp://user:pass@mail.example.org:587';
    expect(readConfig({ QUIRE_SMTP_URL: smtp, QUIRE_ROOT_DOMAIN: 'blogs.example.org' }).mailFrom).toEqual({
      name: 'Quire',
      address: 'quire@blogs.example.org',
    });
    expect(readConfig({ QUIRE_SMTP_URL: smtp, QUIRE_MAIL_FROM: '"Our Blogs" <mail@example.org>' }).mailFrom).toEqual({
      name: 'Our Blogs',
      address: 'mail@example.org',
    });
  });

  it('refuse what is not an SMTP URL or one From address, in one sentence', () => {
    expect(() => readConfig({ QUIRE_SMTP_URL: 'http://mail.example.org' })).toThrow('QUIRE_SMTP_URL must look like smtp://');
    expect(() => readConfig({ QUIRE_SMTP_URL: 'smtp://mail.example.org', QUIRE_MAIL_FROM: 'a@example.org, b@example.org' })).toThrow(
      'QUIRE_MAIL_FROM must be an address',
    );
  });
});
