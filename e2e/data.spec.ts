import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import { PORT, platform, publishPost, signUp } from './helpers';

test('an owner downloads the blog file, finds the post in it, and imports it as a new blog', async ({ page }) => {
  await signUp(page, 'owner@example.com', { title: 'Portable', slug: 'portable' });
  await publishPost(page, 'Take me with you', 'Everything in **one file**.');

  await page.getByRole('link', { name: 'Settings' }).click();
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download blog file (.db)' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`portable-${new Date().toISOString().slice(0, 10)}.db`);
  const file = path.join(os.tmpdir(), `e2e-${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(file);

  const db = new Database(file, { readonly: true });
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(db.prepare("select title from posts where status = 'published'").pluck().all()).toEqual(['Take me with you']);
  db.close();

  await page.getByRole('link', { name: 'Quire' }).click();
  await page.getByLabel('Address for the imported blog').fill('portable-copy');
  await page.getByLabel('Blog file or Markdown zip').setInputFiles(file);
  await page.getByRole('button', { name: 'Import as a new blog' }).click();
  await expect(page).toHaveURL(`${platform}/dashboard/portable-copy`);
  await expect(page.getByRole('link', { name: 'Take me with you', exact: true })).toBeVisible();

  await page.goto(`http://portable-copy.localhost:${PORT}/`);
  await page.getByRole('link', { name: 'Take me with you' }).click();
  await expect(page.locator('.prose strong')).toHaveText('one file');
});

test('a file that is not a blog is refused with a clear sentence', async ({ page }) => {
  await signUp(page, 'careful-owner@example.com', { title: 'Careful owner', slug: 'careful-owner' });
  await page.getByRole('link', { name: 'Settings' }).click();
  page.once('dialog', (dialog) => dialog.accept());
  await page
    .getByLabel('Blog file or Markdown zip')
    .setInputFiles({ name: 'notes.db', mimeType: 'application/octet-stream', buffer: Buffer.from('<html>not a database</html>') });
  await page.getByRole('button', { name: 'Import and replace' }).click();
  await expect(page.getByText('This file is not a SQLite database.')).toBeVisible();
});
