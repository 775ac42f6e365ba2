import { expect, test, type Browser, type BrowserContext } from '@playwright/test';
import { png } from '../lib/testing/images';
import { blogHost, platform, publishPost, seriousFindings, signUp } from './helpers';

/**
 * WCAG 2.2 AA, as axe-core checks it, on every page a person reaches: the platform's, the
 * dashboard's and a blog's, each in light and dark. Serious and critical findings fail.
 */

// Two fresh browsers and two full axe runs per page.
test.describe.configure({ timeout: 90_000 });

type Site = { slug: string; author: string; post: string; page: string; invite: string; preview: string };

/** What the pages below show: an author's blog with a post (code, table, image), a page, a comment, an invite, something in the trash. */
async function buildSite(browser: Browser): Promise<Site> {
  // A failed test restarts the worker and this runs again: each run builds its own blog.
  const slug = `seen-${Date.now().toString(36)}`;
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform });
  const page = await context.newPage();
  await signUp(page, `${slug}@example.com`, { title: 'Seen By All', slug });
  await publishPost(page, 'To be thrown away', 'Soon in the trash.');
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page
    .getByRole('alertdialog', { name: 'Confirm deletion' })
    .getByRole('button', { name: /Delete/ })
    .click();
  await expect(page).toHaveURL(`${platform}/dashboard/${slug}`);

  await page.getByRole('link', { name: 'New post' }).click();
  await page.getByLabel('Title').fill('Everything at once');
  const wide = 'const aLineLongerThanAnyScreen = ' + '"x".repeat(40) + '.repeat(12) + '"";';
  await page.getByLabel('Markdown').fill(`Some *words*.\n\n\`\`\`js\n${wide}\n\`\`\`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n`);
  await page.getByLabel('Tags').fill('Testing');
  await page.getByLabel('Insert images').setInputFiles({ name: 'view.png', mimeType: 'image/png', buffer: await png(400, 300) });
  await expect(page.getByLabel('Markdown')).toHaveValue(/!\[[^\]]*\]\(\/media\/\d+\/view\.png\)/);
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByText('Published.', { exact: true })).toBeVisible();
  const post = new URL(page.url()).pathname;

  await page.goto(`${platform}/dashboard/${slug}/posts/new`);
  await page.getByLabel('Title').fill('Not yet');
  await page.getByLabel('Markdown').fill('A draft shared for a second opinion.');
  await expect(page.getByRole('complementary', { name: 'Publishing' }).locator('.save-state')).toHaveText('Saved');
  await page.getByRole('button', { name: 'Copy preview link' }).click();
  const preview = await page.getByLabel('Preview link').inputValue();

  await page.getByRole('navigation', { name: 'Blog' }).getByRole('link', { name: 'Pages' }).click();
  await page.getByRole('link', { name: 'New page' }).click();
  await page.getByLabel('Title').fill('About');
  await page.getByLabel('Markdown').fill('Who writes here.');
  await page.getByRole('button', { name: /^Publish/ }).click();
  await expect(page.getByText('Published.', { exact: true })).toBeVisible();
  const aboutPage = new URL(page.url()).pathname;

  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  const invite = await page.getByLabel('Invitation link').inputValue();

  const reader = await browser.newPage();
  await reader.goto(`${blogHost(slug)}/`);
  await reader.getByRole('link', { name: 'Everything at once' }).click();
  await reader.getByLabel('Name', { exact: true }).fill('Ada');
  await reader.getByLabel('Comment', { exact: true }).fill('Waiting for a yes.');
  await reader.getByRole('button', { name: 'Post comment' }).click();
  await expect(reader.getByRole('status')).toContainText('Thank you!');
  await reader.close();

  const state = await context.storageState();
  await context.close();
  return { slug, author: JSON.stringify(state), post, page: aboutPage, invite, preview };
}

let site: Site;
test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  site = await buildSite(browser);
});

type Visit = { name: string; url: () => string; signedIn?: boolean; status?: number };

const PAGES: Visit[] = [
  { name: 'platform home', url: () => `${platform}/` },
  { name: 'log in', url: () => `${platform}/login` },
  { name: 'sign up', url: () => `${platform}/signup` },
  { name: 'forgot password', url: () => `${platform}/login/forgot` },
  { name: 'reset link not valid', url: () => `${platform}/login/reset?token=not-a-token` },
  { name: 'invitation', url: () => site.invite },
  { name: 'platform 404', url: () => `${platform}/no-such-page`, status: 404 },
  { name: 'blog list', url: () => `${platform}/dashboard`, signedIn: true },
  { name: 'account', url: () => `${platform}/dashboard/account`, signedIn: true },
  { name: 'import', url: () => `${platform}/dashboard/import`, signedIn: true },
  { name: 'posts', url: () => `${platform}/dashboard/${site.slug}`, signedIn: true },
  { name: 'new post', url: () => `${platform}/dashboard/${site.slug}/posts/new`, signedIn: true },
  { name: 'post editor', url: () => `${platform}${site.post}`, signedIn: true },
  { name: 'pages', url: () => `${platform}/dashboard/${site.slug}/pages`, signedIn: true },
  { name: 'page editor', url: () => `${platform}${site.page}`, signedIn: true },
  { name: 'media', url: () => `${platform}/dashboard/${site.slug}/media`, signedIn: true },
  { name: 'members', url: () => `${platform}/dashboard/${site.slug}/members`, signedIn: true },
  { name: 'comments', url: () => `${platform}/dashboard/${site.slug}/comments`, signedIn: true },
  { name: 'stats', url: () => `${platform}/dashboard/${site.slug}/stats`, signedIn: true },
  { name: 'trash', url: () => `${platform}/dashboard/${site.slug}/trash`, signedIn: true },
  { name: 'settings', url: () => `${platform}/dashboard/${site.slug}/settings`, signedIn: true },
  { name: 'blog home', url: () => `${blogHost(site.slug)}/` },
  { name: 'blog post', url: () => `${blogHost(site.slug)}/posts/everything-at-once` },
  { name: 'blog page', url: () => `${blogHost(site.slug)}/about` },
  { name: 'blog tag', url: () => `${blogHost(site.slug)}/tag/testing` },
  { name: 'blog search', url: () => `${blogHost(site.slug)}/search?q=words` },
  { name: 'blog 404', url: () => `${blogHost(site.slug)}/nothing-here`, status: 404 },
  { name: 'preview link', url: () => site.preview },
  { name: 'demo blog post', url: () => `${blogHost('demo')}/posts/markdown-in-full` },
];

async function contextFor(browser: Browser, visit: Visit, colorScheme: 'light' | 'dark'): Promise<BrowserContext> {
  return browser.newContext({ colorScheme, ...(visit.signedIn ? { storageState: JSON.parse(site.author) } : {}) });
}

for (const visit of PAGES) {
  test(`${visit.name}: no serious accessibility findings, light and dark`, async ({ browser }) => {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await contextFor(browser, visit, scheme);
      const page = await context.newPage();
      const response = await page.goto(visit.url());
      expect(response?.status(), `${visit.name} answers`).toBe(visit.status ?? 200);
      await page.waitForLoadState('networkidle');
      expect.soft(await seriousFindings(page), `${visit.name} in ${scheme}`).toEqual([]);
      await context.close();
    }
  });
}

test('a field is named by its label alone; its hint is its description', async ({ browser }) => {
  const context = await browser.newContext({ storageState: JSON.parse(site.author) });
  const page = await context.newPage();
  await page.goto(`${platform}${site.post}`);
  await expect(page.getByRole('textbox', { name: 'Excerpt', exact: true })).toHaveAccessibleDescription(
    /^Shown in the list of posts and in link previews\./,
  );
  const address = page.getByRole('textbox', { name: 'Address', exact: true });
  await address.fill('everything-moved');
  await expect(address).toHaveAccessibleDescription('The old address will send readers here.');
  await page.goto(`${platform}/dashboard/${site.slug}/settings`);
  await expect(page.getByRole('combobox', { name: 'Time zone', exact: true })).toHaveAccessibleDescription(
    /^The dashboard shows times in this zone/,
  );
  await expect(page.getByRole('textbox', { name: 'Author name', exact: true })).toHaveAccessibleDescription('Shown under each post.');
  await context.close();

  const visitor = await browser.newPage();
  await visitor.goto(`${platform}/signup`);
  const slug = visitor.getByRole('textbox', { name: 'Address', exact: true });
  await expect(slug).toHaveAccessibleDescription('Letters a-z, digits and hyphens.');
  await slug.fill(site.slug);
  await expect(slug).toHaveAccessibleDescription(`"${site.slug}" is taken.`);
  await visitor.close();
});
