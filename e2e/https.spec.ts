import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { startCaddy, type RunningCaddy } from '../lib/testing/caddy';
import { startDnsServer, type TestDnsServer } from '../lib/testing/dns';
import { freePort, request, startServer, type Reply, type RunningServer } from '../lib/testing/server';
import { publishPost, signUp } from './helpers';

/**
 * Quire behind Caddy running deploy/Caddyfile itself, as in production but on loopback ports
 * and with Caddy's local CA (`tls internal`). The platform is `localhost:<https port>`, blogs
 * are `<slug>.localhost`, and a custom domain is a public-looking name that Chromium resolves
 * to 127.0.0.1 (--host-resolver-rules) and a DNS server on loopback verifies (QUIRE_DNS_SERVERS).
 */
const CUSTOM_DOMAIN = 'www.harbour-notes.com';
const UNKNOWN_DOMAIN = 'www.not-a-blog-here.com';

test.use({
  // The certificates come from Caddy's local CA, which this browser does not know; the node
  // checks below verify them against that CA's root.
  ignoreHTTPSErrors: true,
  launchOptions: [
    async ({ launchOptions }, use) => {
      await use({ ...launchOptions, args: [...(launchOptions.args ?? []), `--host-resolver-rules=MAP ${CUSTOM_DOMAIN} 127.0.0.1`] });
    },
    { scope: 'worker' },
  ],
});

let dataDir: string;
let dns: TestDnsServer;
let quire: RunningServer;
let caddy: RunningCaddy;
let httpsPort: number;
let httpPort: number;

const platform = () => `https://localhost:${httpsPort}`;
const blog = () => `https://harbour.localhost:${httpsPort}`;
const custom = () => `https://${CUSTOM_DOMAIN}:${httpsPort}`;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  httpsPort = Number(process.env.E2E_CADDY_HTTPS_PORT ?? 0) || (await freePort());
  httpPort = Number(process.env.E2E_CADDY_HTTP_PORT ?? 0) || (await freePort());
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quire-https-'));
  dns = await startDnsServer();
  quire = await startServer(dataDir, {
    QUIRE_ROOT_DOMAIN: `localhost:${httpsPort}`,
    QUIRE_HTTPS: 'on',
    QUIRE_LISTEN_HOST: '127.0.0.1',
    QUIRE_TRUSTED_PROXIES: '127.0.0.1, ::1',
    QUIRE_DNS_SERVERS: `127.0.0.1:${dns.port}`,
    // One sign-up per address: how the test sees which address Quire believes (below).
    QUIRE_SIGNUPS_PER_HOUR: '1',
  });
  caddy = await startCaddy({ upstream: `127.0.0.1:${quire.port}`, httpsPort, httpPort });
});

test.afterAll(async () => {
  await caddy?.stop();
  await quire?.stop();
  await dns?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

test('readers and authors reach Quire over HTTPS through deploy/Caddyfile', async ({ page, context }) => {
  test.setTimeout(120_000);

  await test.step('an author signs up over HTTPS; the session cookie is __Host- and Secure', async () => {
    await page.goto(`${platform()}/signup`);
    await signUp(page, 'owner@example.com', { title: 'Harbour Notes', slug: 'harbour' });
    await expect(page).toHaveURL(`${platform()}/dashboard/harbour`);
    const session = (await context.cookies(platform())).filter((cookie) => cookie.name.endsWith('quire_session'));
    expect(session).toEqual([
      expect.objectContaining({
        name: '__Host-quire_session',
        domain: 'localhost',
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      }),
    ]);
    await expect(page.getByRole('link', { name: 'View blog' })).toHaveAttribute('href', blog());
    await publishPost(page, 'First light', 'The harbour at dawn, over **TLS**.');
    const invite = await page.request.post(`${platform()}/api/blogs/harbour/invites`, {
      headers: { origin: platform() },
      data: { role: 'editor' },
    });
    expect(((await invite.json()) as { url: string }).url).toMatch(new RegExp(`^${escapeRegExp(platform())}/invite/`));
  });

  await test.step('a reader reads the blog on its subdomain, with a certificate for it', async () => {
    const reader = await context.newPage();
    const response = await reader.goto(`${blog()}/`);
    expect(response?.status()).toBe(200);
    // Caddy's certificates name their host only as a subject alternative name, which the node
    // check reads; the browser says who issued it.
    expect((await response?.securityDetails())?.issuer).toMatch(/^Caddy Local Authority/);
    expect((await handshake('harbour.localhost', { verify: true })).cert?.subjectaltname).toBe('DNS:harbour.localhost');
    await expect(reader.getByRole('link', { name: 'First light' })).toBeVisible();
    await expect(reader.locator('link[rel="canonical"]')).toHaveAttribute('href', `${blog()}/`);
    await reader.getByRole('link', { name: 'First light' }).click();
    await expect(reader).toHaveURL(`${blog()}/posts/first-light`);
    await expect(reader.locator('link[rel="canonical"]')).toHaveAttribute('href', `${blog()}/posts/first-light`);
    await expectHttpsUrls(blog());
    await reader.close();
  });

  await test.step('plain HTTP is redirected to HTTPS: same host, path and query', async () => {
    const plain = await request(httpPort, `harbour.localhost:${httpPort}`, '/posts/first-light?ref=plain');
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`${blog()}/posts/first-light?ref=plain`);
    const reader = await context.newPage();
    await reader.goto(`http://harbour.localhost:${httpPort}/posts/first-light`);
    await expect(reader).toHaveURL(`${blog()}/posts/first-light`);
    await reader.close();
  });

  await test.step('Quire takes the scheme from QUIRE_HTTPS, never from X-Forwarded-Proto', async () => {
    const direct = await request(quire.port, `harbour.localhost:${httpsPort}`, '/tag/none-yet', {
      headers: { 'x-forwarded-proto': 'http' },
    });
    expect(direct.body).toContain(`href="${blog()}/feed.xml"`);
    expect(direct.body).not.toContain('http://harbour.localhost');
  });

  await test.step('a custom domain gets a certificate once verified over DNS, and only then', async () => {
    await page.goto(`${platform()}/dashboard/harbour/settings`);
    await page.getByLabel('Domain', { exact: true }).fill(CUSTOM_DOMAIN);
    await page.getByRole('button', { name: 'Add domain' }).click();
    await expect(page.getByText('Domain added: create its DNS records, then verify it.')).toBeVisible();
    const item = page.locator('li.domain', { hasText: CUSTOM_DOMAIN });
    const token = (await item.locator('tr', { hasText: 'TXT' }).locator('code').nth(1).textContent()) ?? '';
    expect(token).not.toBe('');

    // Claimed but not verified: Caddy asks Quire, Quire says no, no certificate.
    expect((await handshake(CUSTOM_DOMAIN)).error).toBeDefined();

    dns.txt.set(`_quire-challenge.${CUSTOM_DOMAIN}`, [token]);
    await item.getByRole('button', { name: 'Verify' }).click();
    await expect(page.getByText('Verified: the blog is now served on this domain.')).toBeVisible();
    await expect(page.locator('li.domain', { hasText: CUSTOM_DOMAIN }).getByRole('link', { name: custom() })).toHaveAttribute(
      'href',
      custom(),
    );

    const verified = await handshake(CUSTOM_DOMAIN, { verify: true });
    expect(verified.error).toBeUndefined();
    expect(verified.cert?.subjectaltname).toBe(`DNS:${CUSTOM_DOMAIN}`);
    expect(obtained(CUSTOM_DOMAIN)).toBe(1);
  });

  await test.step('readers read the blog on its domain; its subdomain redirects there', async () => {
    const reader = await context.newPage();
    const response = await reader.goto(`${custom()}/`);
    expect(response?.status()).toBe(200);
    expect((await response?.securityDetails())?.issuer).toMatch(/^Caddy Local Authority/);
    await expect(reader.locator('link[rel="canonical"]')).toHaveAttribute('href', `${custom()}/`);
    await expectHttpsUrls(custom());

    const moved = await viaCaddy(`harbour.localhost`, '/posts/first-light?ref=old');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe(`${custom()}/posts/first-light?ref=old`);
    await reader.goto(`${blog()}/posts/first-light`);
    await expect(reader).toHaveURL(`${custom()}/posts/first-light`);
    await expect(reader.getByRole('heading', { level: 1, name: 'First light' })).toBeVisible();
    await reader.close();

    await page.goto(`${platform()}/dashboard/harbour`);
    await expect(page.getByRole('link', { name: 'View blog' })).toHaveAttribute('href', custom());
  });

  await test.step('a name Quire does not serve gets no certificate', async () => {
    for (const name of [UNKNOWN_DOMAIN, 'nobody.localhost']) {
      const attempt = await handshake(name);
      expect(attempt.error, name).toBeDefined();
      expect(attempt.cert, name).toBeUndefined();
    }
    expect(obtained(UNKNOWN_DOMAIN)).toBe(0);
    expect(obtained('nobody.localhost')).toBe(0);
  });

  await test.step("Caddy passes Quire's compressed pages through and compresses the rest", async () => {
    await viaCaddy(CUSTOM_DOMAIN, '/posts/first-light', { headers: { 'accept-encoding': 'br' } });
    const cached = await viaCaddy(CUSTOM_DOMAIN, '/posts/first-light', { headers: { 'accept-encoding': 'br, gzip, zstd' } });
    expect(cached.headers['x-quire-cache']).toBe('hit');
    expect(cached.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(cached.bytes).toString()).toContain('The harbour at dawn');

    const rendered = await viaCaddy('localhost', '/signup', { headers: { 'accept-encoding': 'gzip' } });
    expect(rendered.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(rendered.bytes).toString()).toContain('Create account');
  });

  await test.step("Quire believes Caddy's X-Forwarded-For, and a reader cannot forge it", async () => {
    // The browser's sign-up above used 127.0.0.1's one sign-up an hour.
    const signUpFrom = (localAddress: string, slug: string, headers: Record<string, string> = {}) =>
      viaCaddy('localhost', '/api/auth/signup', {
        method: 'POST',
        localAddress,
        headers: { origin: platform(), 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ email: `${slug}@example.com`, password: 'a long enough passphrase', blog: { slug, title: slug } }),
      });
    expect((await signUpFrom('127.0.0.2', 'second')).status).toBe(200);
    expect((await signUpFrom('127.0.0.2', 'forged', { 'x-forwarded-for': '198.51.100.7' })).status).toBe(429);
    expect((await signUpFrom('127.0.0.3', 'third')).status).toBe(200);
  });
});

/** Every absolute URL the blog's feeds, sitemap and robots.txt give for itself is `base`'s. */
async function expectHttpsUrls(base: string): Promise<void> {
  const host = new URL(base).hostname;
  for (const file of ['/feed.xml', '/atom.xml', '/feed.json', '/sitemap.xml', '/robots.txt']) {
    const response = await viaCaddy(host, file);
    expect(response.status, file).toBe(200);
    const urls = [...response.body.matchAll(/https?:\/\/[^\s"'<>\\]+/g)].map((match) => match[0]);
    const own = urls.filter((url) => new URL(url).hostname.endsWith('localhost') || new URL(url).hostname === host);
    expect(own.length, file).toBeGreaterThan(0);
    for (const url of own) expect(url.startsWith(`${base}/`), `${file}: ${url}`).toBe(true);
  }
}

/** How many certificates Caddy's log says it obtained for `name`. */
function obtained(name: string): number {
  return caddy
    .output()
    .split('\n')
    .filter((line) => line.includes('"certificate obtained successfully"') && line.includes(`"identifier":"${name}"`)).length;
}

/** A TLS handshake with Caddy for `servername`; with `verify`, the certificate must be valid for it, from Caddy's CA. */
function handshake(servername: string, options: { verify?: boolean } = {}): Promise<{ cert?: tls.PeerCertificate; error?: Error }> {
  return new Promise((resolve) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port: httpsPort, servername, ca: caddy.rootCertificate, rejectUnauthorized: options.verify ?? false },
      () => {
        const cert = socket.getPeerCertificate();
        socket.end();
        resolve({ cert });
      },
    );
    socket.once('error', (error) => resolve({ error }));
  });
}

/** An HTTPS request to Caddy for `hostname` (SNI and Host), its certificate checked against Caddy's CA. */
function viaCaddy(hostname: string, urlPath: string, options: Parameters<typeof request>[3] = {}): Promise<Reply> {
  return request(httpsPort, `${hostname}:${httpsPort}`, urlPath, { ...options, tls: { servername: hostname, ca: caddy.rootCertificate } });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
