import { expect, test, type Page } from '@playwright/test';
import { COMMENT_XSS_CORPUS } from '../lib/testing/xss-corpus';
import { blogHost, platform, publishPost, signUp } from './helpers';

/** Collects every dialog a page opens (a payload that ran would open one). */
function watchDialogs(page: Page, into: string[]): void {
  page.on('dialog', async (dialog) => {
    into.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
}

test('a reader finds a post through search, leaves a comment, the author approves it, the reader reloads and sees it', async ({
  page: author,
  browser,
}) => {
  await author.goto(`${platform}/signup`);
  await signUp(author, 'host@example.com', { title: 'Comment Club', slug: 'comment-club' });
  await publishPost(author, 'Another post', 'Nothing about the sea here.');
  await author.goto(`${platform}/dashboard/comment-club`);
  await publishPost(author, 'Open thread', 'Tell me what you think about **lighthouses**.');

  const readerContext = await browser.newContext();
  const reader = await readerContext.newPage();
  await reader.goto(`${blogHost('comment-club')}/`);
  await reader.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Search' }).click();
  await reader.getByRole('searchbox', { name: 'Search this blog' }).fill('lighthouse');
  await reader.getByRole('button', { name: 'Search' }).click();
  await expect(reader).toHaveURL(/\/search\?q=lighthouse$/);
  const results = reader.locator('.search-results > li');
  await expect(results).toHaveCount(1);
  await expect(results.locator('mark')).toHaveText('lighthouses');
  await results.getByRole('link', { name: 'Open thread' }).click();
  await expect(reader.getByRole('heading', { level: 1, name: 'Open thread' })).toBeVisible();
  await reader.getByLabel('Name', { exact: true }).fill('Grace');
  await reader.getByLabel('Website (optional)').fill('https://grace.example');
  await reader.getByLabel('Comment', { exact: true }).fill('A *fine* thread.\nSecond line.');
  await reader.getByRole('button', { name: 'Post comment' }).click();
  await expect(reader.getByRole('status')).toHaveText('Thank you! Your comment will appear once the author has approved it.');
  await expect(reader.getByLabel('Comment', { exact: true })).toHaveValue('');
  await expect(reader.getByLabel('Name', { exact: true })).toHaveValue('Grace');
  await reader.reload();
  await expect(reader.getByText('A fine thread.')).toHaveCount(0);

  // The author sees it waiting, with the count in the navigation, and approves it.
  await author.reload();
  const commentsLink = author.getByRole('link', { name: /^Comments/ });
  await expect(commentsLink).toHaveText(/Comments\s*1/);
  await commentsLink.click();
  await expect(author.getByRole('link', { name: 'Pending (1)' })).toHaveAttribute('aria-current', 'page');
  const queued = author.getByRole('article', { name: 'Comment by Grace' });
  await expect(queued.locator('em')).toHaveText('fine');
  await expect(queued.getByRole('link', { name: 'Open thread' })).toBeVisible();
  await queued.getByRole('button', { name: 'Approve' }).click();
  await expect(author.getByText('No comments are waiting for you.')).toBeVisible();
  await expect(author.getByRole('link', { name: 'Approved (1)' })).toBeVisible();

  // The reader reloads: the comment, its author linked, and the count.
  await reader.reload();
  const comments = reader.getByRole('region', { name: '1 comment' });
  await expect(comments.locator('.comment-body')).toHaveText('A fine thread.\nSecond line.', { useInnerText: true });
  await expect(comments.locator('.comment-body em')).toHaveText('fine');
  await expect(comments.getByRole('link', { name: 'Grace' })).toHaveAttribute('href', 'https://grace.example/');
  await expect(comments.getByRole('link', { name: 'Grace' })).toHaveAttribute('rel', 'nofollow ugc noopener');
  await expect(reader.locator('.post-meta').getByRole('link', { name: '1 comment' })).toBeVisible();
  await readerContext.close();
});

test('the form works without JavaScript, and a refusal keeps what the reader wrote', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const reader = await context.newPage();
  await reader.goto(`${blogHost('demo')}/`);
  await reader.getByRole('link', { name: 'Hello, world' }).click();
  await reader.getByLabel('Name', { exact: true }).fill('No Script');
  await reader.getByLabel('Comment', { exact: true }).fill('Sent as a plain form.');
  await reader.getByRole('button', { name: 'Post comment' }).click();
  await expect(reader).toHaveURL(/\/posts\/hello-world\?comment=received#comments$/);
  await expect(reader.getByRole('status')).toHaveText('Thank you! Your comment will appear once the author has approved it.');

  // A name the browser lets through but the server refuses (only spaces): the text comes back.
  await reader.getByLabel('Name', { exact: true }).fill('   ');
  await reader.getByLabel('Comment', { exact: true }).fill('Keep <this> & that.');
  await reader.getByRole('button', { name: 'Post comment' }).click();
  await expect(reader.getByRole('heading', { name: 'Your comment was not sent' })).toBeVisible();
  await expect(reader.getByRole('alert')).toHaveText('Please give your name.');
  await expect(reader.getByLabel('Comment')).toHaveValue('Keep <this> & that.');
  await reader.getByLabel('Name').fill('No Script');
  await reader.getByRole('button', { name: 'Send again' }).click();
  await expect(reader).toHaveURL(/\/posts\/hello-world\?comment=received#comments$/);
  await context.close();
});

test('an XSS corpus left as comments and approved stays inert in Chromium, shown as text', async ({ page: author, browser }) => {
  const dialogs: string[] = [];
  watchDialogs(author, dialogs);
  await author.goto(`${platform}/signup`);
  await signUp(author, 'target@example.com', { title: 'XSS Lab', slug: 'xss-lab' });
  await publishPost(author, 'Try me', 'Comments welcome.');

  const readerContext = await browser.newContext();
  const reader = await readerContext.newPage();
  watchDialogs(reader, dialogs);
  await reader.goto(`${blogHost('xss-lab')}/posts/try-me`);
  // A few comments, each carrying several payloads: one address may leave only so many.
  const payloads = COMMENT_XSS_CORPUS.map(([, body]) => body);
  const batches = [0, 1, 2, 3].map((n) => payloads.filter((_, i) => i % 4 === n).join('\n\n'));
  for (const [n, batch] of batches.entries()) {
    await reader.getByLabel('Name', { exact: true }).fill(`<img src=x onerror=alert(window.__xss=${n})>`);
    await reader.getByLabel('Website (optional)').fill('https://attacker.example/"><script>alert(1)</script>');
    await reader.getByLabel('Comment', { exact: true }).fill(batch);
    await reader.getByRole('button', { name: 'Post comment' }).click();
    await expect(reader.getByRole('status')).toBeVisible();
    await expect(reader.getByLabel('Comment', { exact: true })).toHaveValue('');
  }

  // Approved in the dashboard, which shows them too (on the platform's own origin).
  await author.getByRole('link', { name: /^Comments/ }).click();
  await expect(author.getByRole('link', { name: 'Pending (4)' })).toBeVisible();
  for (let left = 4; left > 0; left--) {
    await author.getByRole('button', { name: 'Approve' }).first().click();
    await expect(author.getByRole('link', { name: `Pending (${left - 1})` })).toBeVisible();
  }
  await author.getByRole('link', { name: 'Approved (4)' }).click();
  await expect(author.locator('.comment-text')).toHaveCount(4);
  expect(await author.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();

  await reader.reload();
  await expect(reader.getByRole('region', { name: '4 comments' })).toBeVisible();
  const bodies = reader.locator('.comment-body');
  await expect(bodies).toHaveCount(4);
  // Typed markup is shown as the text it is.
  await expect(bodies.getByText('<script>alert(window.__xss=1)</script>').first()).toBeVisible();
  await expect(bodies.getByText('<img src=x onerror=alert(window.__xss=1)>').first()).toBeVisible();
  await expect(reader.getByRole('link', { name: '<img src=x onerror=alert(window.__xss=0)>' })).toHaveAttribute(
    'href',
    'https://attacker.example/%22%3E%3Cscript%3Ealert(1)%3C/script%3E',
  );
  // Nothing active made it into the comments (the form's own script is outside the list), and nothing ran.
  const active = reader.locator(
    '.comment-list script, .comment-list img, .comment-list iframe, .comment-list svg, .comment-list math, .comment-list style, .comment-list [onerror], .comment-list [onclick], .comment-list [onmouseover], .comment-list a[href^="javascript" i], .comment-list a[href^="data" i]',
  );
  await expect(active).toHaveCount(0);
  for (const link of await reader.locator('.comment-body a').all()) {
    expect(await link.getAttribute('href')).toMatch(/^(https?|mailto):/);
    expect(await link.getAttribute('rel')).toBe('nofollow ugc noopener');
  }
  for (const link of await reader.locator('.comment-body a').all()) await link.hover();
  expect(await reader.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
  expect(dialogs).toEqual([]);
  await readerContext.close();
});

test('with comments published at once, a comment shows as soon as it is sent; with comments off, the form is gone', async ({
  page: author,
  browser,
}) => {
  await author.goto(`${platform}/signup`);
  await signUp(author, 'open@example.com', { title: 'Open House', slug: 'open-house' });
  await publishPost(author, 'Say anything', 'No waiting here.');
  await author.getByRole('link', { name: 'Settings' }).click();
  await author.getByLabel('Comments').selectOption('auto');
  await author.getByRole('button', { name: 'Save settings' }).click();
  await expect(author.getByRole('status')).toHaveText('Settings saved.');

  const readerContext = await browser.newContext();
  const reader = await readerContext.newPage();
  await reader.goto(`${blogHost('open-house')}/posts/say-anything`);
  await expect(reader.getByText('Comments appear once the author has approved them.')).toHaveCount(0);
  await reader.getByLabel('Name', { exact: true }).fill('Quick');
  await reader.getByLabel('Comment', { exact: true }).fill('Here **at once**.');
  await reader.getByRole('button', { name: 'Post comment' }).click();
  await expect(reader.getByRole('status')).toHaveText('Thank you! Your comment is published.');
  const comments = reader.getByRole('region', { name: '1 comment' });
  await expect(comments.locator('.comment-body strong')).toHaveText('at once');

  await author.getByLabel('Comments').selectOption('off');
  await author.getByRole('button', { name: 'Save settings' }).click();
  await expect(author.getByRole('status')).toHaveText('Settings saved.');
  await reader.reload();
  await expect(reader.getByRole('button', { name: 'Post comment' })).toHaveCount(0);
  await expect(reader.getByText('Comments are closed.')).toBeVisible();
  await expect(comments.locator('.comment-body strong')).toHaveText('at once');
  await readerContext.close();
});
