import { expect, test } from '@playwright/test';
import { blogHost, platform, publishPost, signUp } from './helpers';

test('an author deletes a post, finds it in the trash, restores it, and a reader sees it again', async ({ page, browser }) => {
  await signUp(page, 'binner@example.com', { title: 'Second Thoughts', slug: 'second-thoughts' });
  await expect(page).toHaveURL(`${platform}/dashboard/second-thoughts`);
  await publishPost(page, 'Hasty words', 'Written in a hurry.');

  const reader = await browser.newPage();
  await reader.goto(`${blogHost('second-thoughts')}/posts/hasty-words`);
  await expect(reader.getByRole('heading', { level: 1, name: 'Hasty words' })).toBeVisible();

  // Deleted from the editor: it leaves the list of posts and the blog.
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page
    .getByRole('alertdialog', { name: 'Confirm deletion' })
    .getByRole('button', { name: /Delete/ })
    .click();
  await expect(page).toHaveURL(`${platform}/dashboard/second-thoughts`);
  await expect(page.getByRole('link', { name: 'Hasty words' })).toHaveCount(0);
  expect((await reader.reload())?.status()).toBe(404);

  // Found in the trash, with when it would go for good, and restored.
  await page.getByRole('link', { name: 'Trash (1)' }).click();
  await expect(page.getByRole('heading', { name: 'Trash' })).toBeVisible();
  const row = page.getByRole('row', { name: /Hasty words/ });
  await expect(row).toContainText('Published');
  await row.getByRole('button', { name: 'Restore "Hasty words"' }).click();
  await expect(page.getByText('The trash is empty.')).toBeVisible();

  // Back on the blog, as it was.
  const back = await reader.reload();
  expect(back?.status()).toBe(200);
  await expect(reader.getByRole('heading', { level: 1, name: 'Hasty words' })).toBeVisible();
  await page.getByRole('link', { name: 'Posts' }).click();
  await expect(page.getByRole('link', { name: 'Hasty words', exact: true })).toBeVisible();
});

test('an author changes a published post’s address, and the old address lands on the new one', async ({ page, browser }) => {
  await signUp(page, 'mover@example.com', { title: 'On the Move', slug: 'on-the-move' });
  await expect(page).toHaveURL(`${platform}/dashboard/on-the-move`);
  await publishPost(page, 'Old house', 'We lived here once.');

  const address = page.getByRole('textbox', { name: 'Address' });
  await address.fill('new-house');
  await expect(page.getByText('The old address will send readers here.')).toBeVisible();
  await page.getByRole('button', { name: 'Publish changes' }).click();
  await expect(page.getByText('Published.', { exact: true })).toBeVisible();

  const reader = await browser.newPage();
  await reader.goto(`${blogHost('on-the-move')}/posts/old-house`);
  await expect(reader).toHaveURL(`${blogHost('on-the-move')}/posts/new-house`);
  await expect(reader.getByRole('heading', { level: 1, name: 'Old house' })).toBeVisible();
});
