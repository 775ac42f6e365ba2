import { expect, test } from '@playwright/test';

test('a reader opens the demo blog, picks a post and reads its code and table', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'The Quire Demo' })).toBeVisible();
  const posts = page.locator('.post-list article h2');
  await expect(posts).toHaveText(['Markdown, in full', 'Why every blog is a file', 'Hello, world']);

  await page.getByRole('link', { name: 'Markdown, in full' }).click();
  await expect(page).toHaveURL(/\/posts\/markdown-in-full$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Markdown, in full' })).toBeVisible();
  await expect(page.getByText(/min read/)).toBeVisible();

  const code = page.locator('pre code.hljs');
  await expect(code).toContainText('export function blogFile');
  await expect(code.locator('.hljs-keyword').first()).toBeVisible();

  const table = page.getByRole('table');
  await expect(table.getByRole('columnheader', { name: 'Concern' })).toBeVisible();
  await expect(table.getByRole('cell', { name: 'One file per blog' })).toBeVisible();

  await page.getByRole('link', { name: 'The Quire Demo' }).click();
  await expect(page).toHaveURL(/demo\.localhost:\d+\/$/);
});

test('an unknown blog shows the 404 page', async ({ page }) => {
  const port = new URL(test.info().project.use.baseURL!).port;
  const response = await page.goto(`http://no-such-blog.localhost:${port}/`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test("a missing post shows the blog's own 404 page", async ({ page }) => {
  const response = await page.goto('/posts/does-not-exist');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: /home page/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'The Quire Demo' })).toBeVisible();
});
