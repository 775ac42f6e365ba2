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
