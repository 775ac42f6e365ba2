import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signUp, startServer, type RunningServer } from '@/lib/testing/server';
import { fillDisk, mountTmpfs, type Tmpfs } from '@/lib/testing/tmpfs';

/**
 * The post editor on a full disk, in Chromium: the author is told the post was not saved, the
 * text stays in the editor (and in the browser's storage), and it is saved by itself once the
 * server has room again. Its own server on a 12 MB tmpfs, since filling the e2e server's disk
 * would fail every other e2e test; Playwright's library drives Debian's Chromium as in e2e/.
 */
let disk: Tmpfs;
let server: RunningServer | undefined;
let browser: Browser | undefined;

const TITLE = 'Written on a full disk';
const MARKDOWN = Array.from({ length: 40 }, (_, i) => `Paragraph ${i + 1}: every word typed here must survive a full disk.`).join('\n\n');

beforeAll(async () => {
  disk = mountTmpfs(12);
  server = await startServer(disk.dir, { QUIRE_MIN_FREE_MB: '1' });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  disk?.unmount();
});

it('keeps the text in the editor, says the post was not saved, and saves it once there is room', { timeout: 120_000 }, async () => {
  const origin = `http://localhost:${server!.port}`;
  const author = await signUp(server!.port, {
    email: 'writer@example.com',
    password: 'a long enough passphrase',
    blog: { slug: 'diary', title: 'Diary' },
  });
  const [name, value] = author.cookie.split('=') as [string, string];
  const context = await browser!.newContext();
  await context.addCookies([{ name, value, url: origin }]);
  const page = await context.newPage();
  let refused = 0;
  page.on('response', (response) => {
    if (response.url() === `${origin}/api/blogs/diary/posts` && response.status() === 507) refused++;
  });

  const filler = path.join(disk.dir, 'filler');
  fillDisk(filler);
  await page.goto(`${origin}/dashboard/diary/posts/new`);
  await page.getByLabel('Title').fill(TITLE);
  await page.getByLabel('Markdown').fill(MARKDOWN);
  await page.getByRole('button', { name: 'Save draft' }).click();

  const state = page.locator('.save-state');
  await expect
    .poll(() => state.textContent(), { timeout: 15_000 })
    .toBe('The server is out of disk space; your post was not saved. It is kept on this device.');
  expect(await page.getByLabel('Title').inputValue()).toBe(TITLE);
  expect(await page.getByLabel('Markdown').inputValue()).toBe(MARKDOWN);
  // What the editor keeps in this browser until the server has it.
  const kept = await page.evaluate(() =>
    Object.values(localStorage).map((item) => (JSON.parse(item) as { fields?: { markdown?: string } }).fields?.markdown),
  );
  expect(kept).toContain(MARKDOWN);
  expect(page.url()).toBe(`${origin}/dashboard/diary/posts/new`);

  // The click and the autosave 2 s after typing were both refused: no save is pending now.
  await expect.poll(() => refused, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);

  // Room again: the editor tries again by itself (every 15 s) and the post is saved.
  fs.rmSync(filler);
  await expect.poll(() => state.textContent(), { timeout: 40_000, interval: 500 }).toBe('Saved');
  expect(page.url()).toMatch(new RegExp(`^${origin}/dashboard/diary/posts/\\d+$`));
  expect(await page.getByLabel('Markdown').inputValue()).toBe(MARKDOWN);
  await context.close();

  await server!.stop();
  server = undefined;
  const db = new Database(path.join(disk.dir, 'tenants', 'diary.db'), { readonly: true });
  expect(db.prepare('select title, markdown, status from posts').all()).toEqual([{ title: TITLE, markdown: MARKDOWN, status: 'draft' }]);
  db.close();
});
