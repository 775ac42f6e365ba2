import { expect, test, type Locator, type Page } from '@playwright/test';
import { blogHost, platform, signUp } from './helpers';

/**
 * Writing and publishing with the keyboard alone: every step below is Tab, typing or Enter,
 * and every control reached shows where the focus is.
 */

// Every Tab is a round trip to the browser.
test.describe.configure({ timeout: 90_000 });

/** Presses Tab until `target` has the focus (at most `limit` times), and checks the focus is drawn. */
async function tabTo(page: Page, target: Locator, limit = 60): Promise<void> {
  const handle = await target.elementHandle();
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((el) => document.activeElement === el, handle)) {
      const outline = await target.evaluate((el) => getComputedStyle(el).outlineStyle);
      expect(outline, 'the focused control shows a focus ring').not.toBe('none');
      return;
    }
  }
  throw new Error(`Tab never reached ${target}`);
}

test('an author writes, previews and publishes a post with the keyboard alone', async ({ page, browser }) => {
  await signUp(page, 'keys@example.com', { title: 'Keys Only', slug: 'keys' });
  await expect(page).toHaveURL(`${platform}/dashboard/keys`);

  await tabTo(page, page.getByRole('link', { name: 'New post' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'New post' })).toBeVisible();

  await tabTo(page, page.getByLabel('Title'));
  await page.keyboard.type('Typed, never clicked');
  await tabTo(page, page.getByLabel('Markdown'));
  await page.keyboard.type('Every word came from the keyboard.');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.type('```\nconst wide = "' + 'w'.repeat(300) + '";\n```');
  await expect(page.getByRole('region', { name: 'Preview' }).getByText('Every word came from the keyboard.')).toBeVisible();

  await tabTo(page, page.getByLabel('Tags'));
  await page.keyboard.type('keyboard');
  await tabTo(page, page.getByRole('button', { name: 'Publish now' }));
  await page.keyboard.press('Enter');
  await expect(page.getByText('Published.', { exact: true })).toBeVisible();

  // The reader scrolls the wide code block from the keyboard too.
  const reader = await browser.newPage();
  await reader.goto(`${blogHost('keys')}/posts/typed-never-clicked`);
  const code = reader.locator('.prose pre');
  await tabTo(reader, code);
  expect(await code.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  await reader.keyboard.press('ArrowRight');
  await reader.keyboard.press('End');
  await expect.poll(() => code.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
  await reader.close();
});

test('a published post is changed, the change published, and deleted, with the keyboard alone', async ({ page }) => {
  await signUp(page, 'keys2@example.com', { title: 'Keys Again', slug: 'keys-again' });
  await tabTo(page, page.getByRole('link', { name: 'New post' }));
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByLabel('Title'));
  await page.keyboard.type('First words');
  await tabTo(page, page.getByLabel('Markdown'));
  await page.keyboard.type('Version one.');
  await tabTo(page, page.getByRole('button', { name: 'Publish now' }));
  await page.keyboard.press('Enter');
  await expect(page.getByText('Published.', { exact: true })).toBeVisible();

  // A staged change, published with its own button.
  await tabTo(page, page.getByLabel('Markdown'), 80);
  await page.keyboard.press('End');
  await page.keyboard.type(' Version two.');
  await tabTo(page, page.getByRole('button', { name: 'Publish changes' }));
  await page.keyboard.press('Enter');
  await expect(page.getByText('Published.', { exact: true })).toBeVisible();

  // Delete asks first; the question is answered with the keyboard as well.
  await tabTo(page, page.getByRole('button', { name: 'Delete…' }), 80);
  await page.keyboard.press('Enter');
  const confirm = page.getByRole('alertdialog', { name: 'Confirm deletion' });
  await tabTo(page, confirm.getByRole('button', { name: 'Delete post' }));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`${platform}/dashboard/keys-again`);
  await expect(page.getByRole('link', { name: 'Trash (1)' })).toBeVisible();
});
