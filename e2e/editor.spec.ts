import { expect, test, type Page } from '@playwright/test';
import { blogHost, platform, publishPost, signUp } from './helpers';

/** The editor's save state line (role="status"). */
const saveState = (page: Page) => page.getByRole('complementary', { name: 'Publishing' }).locator('.save-state');

/** Answers every dialog the page opens with `answer`, and counts them by type. */
function dialogs(page: Page, answer: 'accept' | 'dismiss') {
  const seen: string[] = [];
  page.on('dialog', async (dialog) => {
    seen.push(dialog.type());
    await (answer === 'accept' ? dialog.accept() : dialog.dismiss());
  });
  return seen;
}

test('leaving with unsaved text asks first: a sidebar link, Back', async ({ page }) => {
  await signUp(page, 'wary@example.com', { title: 'Wary', slug: 'wary' });
  await page.getByRole('link', { name: 'New post' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'New post' })).toBeVisible();
  await expect(page.getByRole('main')).toBeVisible();
  // No title yet: nothing can be saved, so the text is only here.
  await page.getByLabel('Markdown').fill('Words I have not saved anywhere.');
  const seen = dialogs(page, 'dismiss');

  await page.getByRole('navigation', { name: 'Blog' }).getByRole('link', { name: 'Pages' }).click();
  await expect.poll(() => seen).toEqual(['confirm']);
  await expect(page).toHaveURL(`${platform}/dashboard/wary/posts/new`);
  await expect(page.getByLabel('Markdown')).toHaveValue('Words I have not saved anywhere.');

  await page.goBack({ waitUntil: 'commit' });
  await expect.poll(() => seen).toEqual(['confirm', 'confirm']);
  await expect(page).toHaveURL(`${platform}/dashboard/wary/posts/new`);
  await expect(page.getByLabel('Markdown')).toHaveValue('Words I have not saved anywhere.');

  // Said yes, Back goes where it was going.
  page.removeAllListeners('dialog');
  dialogs(page, 'accept');
  await page.goBack({ waitUntil: 'commit' });
  await expect(page).toHaveURL(`${platform}/dashboard/wary`);
  await expect(page.getByRole('heading', { level: 1, name: 'Posts' })).toBeVisible();
});

test('text in a tab that was closed without saving is offered back', async ({ page, context }) => {
  await signUp(page, 'crash@example.com', { title: 'Crash', slug: 'crash' });
  await page.getByRole('link', { name: 'New post' }).click();
  await page.getByLabel('Markdown').fill('A first paragraph that only this browser has.');
  await page.close(); // no beforeunload: as if the tab were killed

  const again = await context.newPage();
  await again.goto(`${platform}/dashboard/crash/posts/new`);
  await again.getByRole('button', { name: /^Restore unsaved text from / }).click();
  await expect(again.getByLabel('Markdown')).toHaveValue('A first paragraph that only this browser has.');
  await expect(again.getByRole('button', { name: /^Restore unsaved text from / })).toHaveCount(0);

  // Saved, the kept copy is forgotten: the editor opens clean.
  await again.getByLabel('Title').fill('Recovered');
  await expect(saveState(again)).toHaveText('Saved');
  await expect(again).toHaveURL(/\/dashboard\/crash\/posts\/\d+$/);
  await again.reload();
  await expect(again.getByLabel('Markdown')).toHaveValue('A first paragraph that only this browser has.');
  await expect(again.getByRole('button', { name: /^Restore unsaved text from / })).toHaveCount(0);
});

test('a draft saves itself while the author types, and keeps text while offline', async ({ page, context }) => {
  await signUp(page, 'steady@example.com', { title: 'Steady', slug: 'steady' });
  await page.getByRole('link', { name: 'New post' }).click();
  await page.getByLabel('Title').fill('Autosaved');
  await page.getByLabel('Markdown').fill('Nobody pressed a button.');
  await expect(saveState(page)).toHaveText('Saved');
  await expect(page).toHaveURL(/\/dashboard\/steady\/posts\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Edit post' })).toBeVisible();

  await context.setOffline(true);
  await page.getByLabel('Markdown').fill('Nobody pressed a button. Written on a train.');
  await expect(saveState(page)).toHaveText('Offline — kept on this device');
  await context.setOffline(false);
  await expect(saveState(page)).toHaveText('Saved');

  await page.reload();
  await expect(page.getByLabel('Markdown')).toHaveValue('Nobody pressed a button. Written on a train.');
  await page.goto(`${platform}/dashboard/steady`);
  await expect(page.getByRole('link', { name: 'Autosaved' })).toBeVisible();
});

test('an autosave that falls due while “Publish now” is on its way does not create the post again', async ({ page }) => {
  await signUp(page, 'hasty@example.com', { title: 'Hasty', slug: 'hasty' });
  await page.getByRole('link', { name: 'New post' }).click();
  // A slow server: "Publish now" takes longer than the autosave delay (2 s), so the autosave
  // waits in line behind it.
  const creates: string[] = [];
  await page.route(`${platform}/api/blogs/hasty/posts`, async (route) => {
    creates.push(route.request().method());
    if (creates.length === 1) await new Promise((resolve) => setTimeout(resolve, 3_000));
    await route.continue();
  });
  await page.getByLabel('Title').fill('In a hurry');
  await page.getByLabel('Markdown').fill('Published before the autosave could run.');
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(saveState(page)).toHaveText('Published.');
  expect(creates).toEqual(['POST']);
  await expect(page).toHaveURL(/\/dashboard\/hasty\/posts\/\d+$/);
});

test("a published post's edit stays invisible to readers until “Publish changes”", async ({ page, browser }) => {
  await signUp(page, 'careful-editor@example.com', { title: 'Staged', slug: 'staged' });
  await publishPost(page, 'Low tide', 'The sea went out past the rocks.');
  const reader = await browser.newPage();
  await reader.goto(`${blogHost('staged')}/posts/low-tide`);
  await expect(reader.locator('.prose')).toHaveText('The sea went out past the rocks.');

  await page.getByLabel('Markdown').fill('The sea went out past the lighthouse.');
  await expect(saveState(page)).toHaveText('Saved');
  await expect(page.getByText('You have unpublished changes.')).toBeVisible();
  await reader.reload();
  await expect(reader.locator('.prose')).toHaveText('The sea went out past the rocks.');

  // The posts list says so beside the status, in words.
  const status = page
    .getByRole('row', { name: /Low tide/ })
    .getByRole('cell')
    .nth(1);
  await page.goto(`${platform}/dashboard/staged`);
  await expect(status).toHaveText(/^Published\s·\schanges not published$/);

  // The author comes back later: the editor holds the unpublished changes.
  await page.getByRole('link', { name: 'Low tide', exact: true }).click();
  await expect(page.getByLabel('Markdown')).toHaveValue('The sea went out past the lighthouse.');
  await expect(page.getByText('You have unpublished changes.')).toBeVisible();

  await page.getByRole('button', { name: 'Publish changes' }).click();
  await expect(saveState(page)).toHaveText('Published.');
  await expect(page.getByText('You have unpublished changes.')).toHaveCount(0);
  await reader.reload();
  await expect(reader.locator('.prose')).toHaveText('The sea went out past the lighthouse.');
  await page.goto(`${platform}/dashboard/staged`);
  await expect(status).toHaveText('Published');
  await page.getByRole('link', { name: 'Low tide', exact: true }).click();

  // The text it replaced is in the History, and comes back into the editor.
  await page.getByRole('button', { name: 'History' }).click();
  const history = page.getByRole('region', { name: 'History' });
  await history.getByRole('listitem').first().getByRole('button').click();
  await expect(history.getByLabel('Changes')).toContainText('- The sea went out past the rocks.');
  await expect(history.getByLabel('Changes')).toContainText('+ The sea went out past the lighthouse.');
  await history.getByRole('button', { name: 'Restore this version' }).click();
  await expect(page.getByLabel('Markdown')).toHaveValue('The sea went out past the rocks.');
  await reader.close();
});

test.describe('in a browser whose clock is in another zone than the blog', () => {
  test.use({ timezoneId: 'Asia/Tokyo' });

  test('"Publish later" reads the time in the blog’s time zone, and the dashboard shows it so', async ({ page }) => {
    await signUp(page, 'zoned@example.com', { title: 'Zoned', slug: 'zoned' });
    await expect(page).toHaveURL(`${platform}/dashboard/zoned`); // signed in
    // Sign-up took the browser's zone (Tokyo); the blog is set to New York in its settings.
    await page.goto(`${platform}/dashboard/zoned/settings`);
    await page.getByLabel('Time zone').selectOption('America/New_York');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByText('Settings saved.')).toBeVisible();

    await page.goto(`${platform}/dashboard/zoned/posts/new`);
    await page.getByLabel('Title').fill('Later on');
    await page.getByLabel('Markdown').fill('Not yet.');
    const when = page.getByLabel('Publish later (America/New York time)');
    await when.fill('2030-01-15T09:30');
    await page.getByRole('button', { name: 'Schedule' }).click();
    await expect(page.getByText('Scheduled.', { exact: true })).toBeVisible();

    // 09:30 in New York is 14:30 UTC; read as Tokyo time it would have been 19:30 the day before.
    await page.goto(`${platform}/dashboard/zoned`);
    await expect(page.getByText(/Jan 15, 2030, 9:30\s?AM EST/)).toBeVisible();
  });

  test('the History shows its times in the blog’s time zone', async ({ page }) => {
    await signUp(page, 'zoned-history@example.com', { title: 'Zoned history', slug: 'zoned-history' });
    await expect(page).toHaveURL(`${platform}/dashboard/zoned-history`); // signed in
    await page.goto(`${platform}/dashboard/zoned-history/settings`);
    await page.getByLabel('Time zone').selectOption('America/New_York');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByText('Settings saved.')).toBeVisible();

    await page.goto(`${platform}/dashboard/zoned-history`);
    await publishPost(page, 'Two versions', 'The first version.');
    await page.getByLabel('Markdown').fill('The second version.');
    await expect(saveState(page)).toHaveText('Saved');
    await page.getByRole('button', { name: 'Publish changes' }).click();
    await expect(saveState(page)).toHaveText('Published.');

    // When the first version was kept, as the server says, and as New York and Tokyo write it.
    const postId = /\/posts\/(\d+)$/.exec(page.url())![1];
    const answer = await page.request.get(`${platform}/api/blogs/zoned-history/posts/${postId}/revisions`);
    const [kept] = ((await answer.json()) as { revisions: { createdAt: number }[] }).revisions;
    const written = (timeZone: string) => {
      const time = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(kept!.createdAt);
      const zone = new Intl.DateTimeFormat('en', { timeZoneName: 'short', timeZone })
        .formatToParts(kept!.createdAt)
        .find((part) => part.type === 'timeZoneName')!.value;
      return { time, zone };
    };
    const newYork = written('America/New_York');
    expect(newYork.zone).toMatch(/^E[SD]T$/);
    expect(newYork.time).not.toBe(written('Asia/Tokyo').time);
    const shown = `${newYork.time} ${newYork.zone}`.replace(/\s/g, ' '); // ICU puts a narrow space before AM

    await page.getByRole('button', { name: 'History' }).click();
    const history = page.getByRole('region', { name: 'History' });
    const version = history.getByRole('listitem').first().getByRole('button');
    await expect(version).toHaveText(shown);
    await expect(version.locator('time')).toHaveAttribute('datetime', new Date(kept!.createdAt).toISOString());
    await version.click();
    await expect(history.getByText(/^The version of .* compared with your text now/)).toContainText(`The version of ${shown}`);
    await history.getByRole('button', { name: 'Restore this version' }).click();
    await expect(page.getByText(/is in the editor: publish the changes to keep it\.$/)).toContainText(`The version of ${shown}`);
  });
});
