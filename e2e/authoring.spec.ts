import { expect, test } from '@playwright/test';
import { blogHost, platform, signUp } from './helpers';

const XSS = '<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>[click](javascript:alert(3))';
const BODY = `Intro paragraph.

\`\`\`python
def greet(name):
    return f"Hello, {name}"
\`\`\`

| Planet | Moons |
|--------|-------|
| Mars   | 2     |

${XSS}
`;

test('an author signs up, writes, publishes, edits, unpublishes and invites an editor', async ({ page, browser }) => {
  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });

  // Sign up with a first blog; a taken address is flagged while typing.
  await page.goto(`${platform}/signup`);
  await page.getByRole('textbox', { name: 'Address' }).fill('demo');
  await expect(page.getByText('"demo" is taken.')).toBeVisible();
  await signUp(page, 'writer@example.com', { title: 'Field Notes', slug: 'field-notes' });
  await expect(page).toHaveURL(`${platform}/dashboard/field-notes`);
  await expect(page.getByRole('heading', { name: 'Posts' })).toBeVisible();

  // Write a post with code, a table and a hostile payload; the preview renders it safely.
  await page.getByRole('link', { name: 'New post' }).click();
  await page.getByLabel('Title').fill('Notes on Mars');
  await page.getByLabel('Markdown').fill(BODY);
  const preview = page.getByRole('region', { name: 'Preview' });
  await expect(preview.locator('pre code')).toContainText('def greet(name):');
  await expect(preview.getByRole('cell', { name: 'Mars' })).toBeVisible();
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByRole('status')).toHaveText('Published.');
  await expect(page).toHaveURL(/\/dashboard\/field-notes\/posts\/\d+$/);

  // A reader sees it on the blog's own host, and the payload does nothing.
  const reader = await browser.newPage();
  reader.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  await reader.goto(`${blogHost('field-notes')}/`);
  await reader.getByRole('link', { name: 'Notes on Mars' }).click();
  await expect(reader.getByRole('heading', { level: 1, name: 'Notes on Mars' })).toBeVisible();
  await expect(reader.locator('pre code .hljs-keyword').first()).toHaveText('def');
  await expect(reader.getByRole('cell', { name: 'Mars' })).toBeVisible();
  expect(await reader.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  expect(await reader.locator('.prose script, .prose [onerror], .prose a[href^="javascript"]').count()).toBe(0);
  expect(dialogs).toEqual([]);
  // The author's session cookie never reaches the blog host.
  const blogCookies = await reader.context().cookies(blogHost('field-notes'));
  expect(blogCookies.filter((c) => c.name.includes('session'))).toEqual([]);

  // Edit: the change is on the blog once it is published.
  await page.getByLabel('Title').fill('Notes on Mars and Phobos');
  await page.getByRole('button', { name: 'Publish changes' }).click();
  await expect(page.getByRole('status')).toHaveText('Published.');
  await reader.reload();
  await expect(reader.getByRole('heading', { level: 1, name: 'Notes on Mars and Phobos' })).toBeVisible();

  // Unpublish: readers get the blog's 404 page.
  await page.getByRole('button', { name: 'Unpublish' }).click();
  await expect(page.getByRole('status')).toContainText('Unpublished');
  const gone = await reader.reload();
  expect(gone?.status()).toBe(404);
  await expect(reader.getByRole('heading', { name: 'Page not found' })).toBeVisible();

  // Invite an editor by link.
  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  const link = await page.getByLabel('Invitation link').inputValue();
  expect(link).toContain('/invite/');

  const editorContext = await browser.newContext();
  const editor = await editorContext.newPage();
  await editor.goto(link);
  await editor.getByRole('link', { name: 'Create an account' }).click();
  await expect(editor.getByText('You are joining Field Notes as an editor.')).toBeVisible();
  await signUp(editor, 'editor@example.com');
  await expect(editor).toHaveURL(`${platform}/dashboard/field-notes`);
  // The editor can write…
  await editor.getByRole('link', { name: 'New post' }).click();
  await editor.getByLabel('Title').fill('A guest note');
  await editor.getByLabel('Markdown').fill('Written by the editor.');
  await editor.getByRole('button', { name: 'Publish now' }).click();
  await expect(editor.getByRole('status')).toHaveText('Published.');
  // …but not reach the settings.
  await expect(editor.getByRole('link', { name: 'Settings' })).toHaveCount(0);
  await editor.goto(`${platform}/dashboard/field-notes/settings`);
  await expect(editor.getByText('Only the blog’s owner can change its settings.')).toBeVisible();
  await editorContext.close();

  // Log out: the dashboard now sends you to log in.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(`${platform}/dashboard/field-notes`);
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboard%2Ffield-notes$/);
  await expect(page.getByRole('heading', { name: 'Log in' })).toBeVisible();
  await reader.close();
});

test('the editor warns before leaving unsaved text and keeps it on a refused save', async ({ page }) => {
  await page.goto(`${platform}/signup`);
  await signUp(page, 'careful@example.com', { title: 'Careful', slug: 'careful' });
  await page.getByRole('link', { name: 'New post' }).click();
  await page.getByLabel('Title').fill('x'.repeat(10));
  await page.getByLabel('Markdown').fill('   ');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByText('A post needs some text.')).toBeVisible();
  await expect(page.getByLabel('Title')).toHaveValue('x'.repeat(10));

  let warned = false;
  page.on('dialog', async (dialog) => {
    warned = dialog.type() === 'beforeunload';
    await dialog.accept();
  });
  await page.getByLabel('Markdown').fill('Some words worth keeping.');
  await page.goto(`${platform}/dashboard`);
  expect(warned).toBe(true);
});
