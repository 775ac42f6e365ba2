import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

export const PORT = process.env.E2E_PORT ?? '3107';
export const platform = `http://localhost:${PORT}`;
export const blogHost = (slug: string) => `http://${slug}.localhost:${PORT}`;

/** Signs up through the form, as a person does; with a blog, waits for its address check. */
export async function signUp(page: Page, email: string, blog?: { title: string; slug: string }): Promise<void> {
  if (!page.url().endsWith('/signup') && !page.url().includes('/signup?')) await page.goto(`${platform}/signup`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password').fill('a long enough passphrase');
  if (blog) {
    await page.getByLabel('Blog title').fill(blog.title);
    await page.getByRole('textbox', { name: 'Address' }).fill(blog.slug);
    await expect(page.getByText(`"${blog.slug}" is available.`)).toBeVisible();
  }
  await page.getByRole('button', { name: /Create account/ }).click();
}

/** Writes and publishes a post from the dashboard of the current blog. */
export async function publishPost(page: Page, title: string, markdown: string, tags?: string): Promise<void> {
  await page.getByRole('link', { name: 'New post' }).click();
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Markdown').fill(markdown);
  if (tags !== undefined) await page.getByLabel('Tags').fill(tags);
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByText('Published.')).toBeVisible();
}

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** WCAG 2.2 AA as axe-core checks it: the serious and critical findings on the page, one line each. */
export async function seriousFindings(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary?.replaceAll('\n', ' ')}`).join('\n    ')}`,
    );
}
