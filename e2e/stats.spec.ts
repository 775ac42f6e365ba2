import { expect, test } from '@playwright/test';
import { PORT, publishPost, signUp } from './helpers';

// Headless Chromium says "HeadlessChrome", which the bot filter rightly ignores; a reader's
// browser says Chrome.
const READER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

test('a read in the browser shows up in the author\'s stats', async ({ page, browser }) => {
  await signUp(page, 'counted@example.com', { title: 'Counted', slug: 'counted' });
  await publishPost(page, 'Worth reading', 'Read me, and be counted.');

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
