import { expect, test } from '@playwright/test';
import { blogHost, platform, publishPost, signUp } from './helpers';

test('an author tags a post; a reader follows the tag to the page listing it', async ({ page, browser }) => {
  await signUp(page, 'hiker@example.com', { title: 'Trail Notes', slug: 'trails' });
  await expect(page).toHaveURL(`${platform}/dashboard/trails`);
  await publishPost(page, 'Mountain notes', 'Up the ridge at dawn.', 'Hiking, Rain gear');
  // The editor shows the tags it saved.
  await page.reload();
  await expect(page.getByLabel('Tags')).toHaveValue('Hiking, Rain gear');
  await page.goto(`${platform}/dashboard/trails`);
  await publishPost(page, 'City notes', 'Pavement only.');

  const reader = await browser.newPage();
  await reader.goto(`${blogHost('trails')}/`);
  await reader.getByRole('link', { name: 'Mountain notes' }).click();
  await expect(reader.getByRole('heading', { level: 1, name: 'Mountain notes' })).toBeVisible();
  await reader.getByRole('list', { name: 'Tags' }).getByRole('link', { name: 'Hiking' }).click();

  await expect(reader).toHaveURL(`${blogHost('trails')}/tag/hiking`);
  await expect(reader.getByRole('heading', { level: 1, name: 'Posts tagged “Hiking”' })).toBeVisible();
  await expect(reader.locator('.post-list article h2')).toHaveText(['Mountain notes']);
  await expect(reader.locator('link[rel="alternate"][href$="/tag/hiking/feed.xml"]')).toHaveCount(1);
});
