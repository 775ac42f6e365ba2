import { expect, test } from '@playwright/test';

const PORT = process.env.E2E_PORT ?? '3107';
const platform = `http://localhost:${PORT}`;

// Headless Chromium says "HeadlessChrome", which the bot filter rightly ignores; a reader's
// browser says Chrome.
const READER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

test('a read in the browser shows up in the author\'s stats', async ({ page, browser }) => {
  await page.goto(`${platform}/signup`);
  await page.getByLabel('Email', { exact: true }).fill('counted@example.com');
  await page.getByLabel('Password').fill('a long enough passphrase');
  await page.getByLabel('Blog title').fill('Counted');
  await page.getByRole('textbox', { name: 'Address' }).fill('counted');
  await page.getByRole('button', { name: /Create account/ }).click();
  await page.getByRole('link', { name: 'New post' }).click();
  await page.getByLabel('Title').fill('Worth reading');
  await page.getByLabel('Markdown').fill('Read me, and be counted.');
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByText('Published.')).toBeVisible();

  const reader = await browser.newContext({ userAgent: READER_UA });
  const readerPage = await reader.newPage();
  const beacon = readerPage.waitForRequest((request) => request.url().endsWith('/api/pv') && request.method() === 'POST');
  await readerPage.goto(`http://counted.localhost:${PORT}/posts/worth-reading`);
  await expect(readerPage.getByRole('heading', { level: 1, name: 'Worth reading' })).toBeVisible();
  await beacon;
  await reader.close();

  await page.getByRole('link', { name: 'Stats' }).click();
  await expect(page).toHaveURL(/\/dashboard\/counted\/stats$/);
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('row', { name: /Worth reading/ })).toContainText('1');
  }).toPass({ timeout: 10_000 });
  await expect(page.getByRole('img', { name: /Views per day: 1 in 30 days/ })).toBeVisible();
  await page.getByRole('link', { name: '7 days' }).click();
  await expect(page.getByRole('img', { name: /in 7 days/ })).toBeVisible();

  // The posts list shows the view too.
  await page.getByRole('link', { name: 'Posts' }).click();
  await expect(page).toHaveURL(/\/dashboard\/counted$/);
  await expect(page.getByRole('row', { name: /Worth reading/ }).getByRole('cell').last()).toHaveText('1');
});
