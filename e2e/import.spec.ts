import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type APIResponse, type Page } from '@playwright/test';
import { png } from '../lib/testing/images';
import { blogHost, platform, publishPost, seriousFindings, signUp } from './helpers';

/**
 * Moving in from WordPress through the dashboard: the export up, its dry run read, the import
 * followed to the end, and the blog it made read as a reader would, old addresses included. The
 * post's image is fetched from a server on this machine (the e2e server admits loopback:
 * QUIRE_FETCH_ALLOW_LOOPBACK=1 in scripts/e2e-server.sh), slow enough to see the progress.
 */

const IMAGE_PATH = '/wp-content/uploads/2024/05/tomatoes.png';

let images: http.Server;
let imageRequests = 0;
/** How long the image server waits before answering: long enough to watch an import run. */
let imageDelayMs = 0;

test.beforeAll(async () => {
  const tomatoes = await png(320, 240);
  images = http.createServer((request, response) => {
    imageRequests++;
    setTimeout(() => {
      if (request.url !== IMAGE_PATH) return response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': tomatoes.length }).end(tomatoes);
    }, imageDelayMs);
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
});

test.afterAll(() => new Promise<void>((resolve) => images.close(() => resolve())));

/** The WordPress export, its images on the test's image server. */
function wordpressExport(): { name: string; mimeType: string; buffer: Buffer } {
  const { port } = images.address() as AddressInfo;
  const xml = fs
    .readFileSync(new URL('./fixtures/wordpress-garden.xml', import.meta.url), 'utf8')
    .replaceAll('{{images}}', `http://127.0.0.1:${port}`);
  return { name: 'gardennotes.WordPress.2024-06-01.xml', mimeType: 'text/xml', buffer: Buffer.from(xml) };
}

/**
 * A blog's answer as it is, redirects not followed. Node cannot resolve `<blog>.localhost` as
 * the browser does, so this asks localhost and names the blog in the Host header.
 */
function blogRequest(page: Page, slug: string, path: string): Promise<APIResponse> {
  return page.request.get(`${platform}${path}`, { headers: { host: new URL(blogHost(slug)).host }, maxRedirects: 0 });
}

/** Uploads the export and waits for its dry run's report. */
async function uploadAndCheck(page: Page): Promise<void> {
  await page.getByLabel('Export file').setInputFiles(wordpressExport());
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('heading', { name: 'What will be imported from gardennotes.WordPress.2024-06-01.xml' })).toBeVisible();
  await expect(page).toHaveURL(/[?&]job=[\w-]+/);
}

test('a WordPress export becomes a new blog: report, progress, posts at their dates and addresses, old addresses leading there', async ({
  page,
}) => {
  await signUp(page, 'gardener@example.com', { title: 'Allotment', slug: 'allotment' });
  await expect(page).toHaveURL(`${platform}/dashboard/allotment`);
  await page.goto(`${platform}/dashboard`);
  await page.getByRole('link', { name: 'Import from WordPress, Ghost, Substack or a Markdown folder' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Import from another platform' })).toBeVisible();

  await uploadAndCheck(page);
  await expect(page.getByText('Ready to import from WordPress (“Garden Notes”).')).toBeVisible();
  await expect(
    page.getByText('3 posts (1 draft, 0 scheduled) and 1 page will be imported, with 3 tags and 1 comment.', { exact: true }),
  ).toBeVisible();
  await expect(page.getByText('Images: 1 found; 0 in the export, 1 to fetch from the web.')).toBeVisible();
  await expect(page.getByRole('heading', { name: /^Warnings \(\d+\)$/ })).toBeVisible();
  // The private post is kept as a draft, and the report says so.
  await expect(page.getByText(/^Post “Seed list for next year”.* private/).first()).toBeVisible();
  expect(imageRequests).toBe(0);
  expect(await seriousFindings(page)).toEqual([]);

  // A new blog, titled and addressed after the export unless told otherwise.
  await expect(page.getByRole('radio', { name: 'A new blog' })).toBeChecked();
  await expect(page.getByLabel('Title')).toHaveValue('Garden Notes');
  await expect(page.getByRole('textbox', { name: 'Address' })).toHaveValue('garden-notes');
  await expect(page.getByText('"garden-notes" is available.')).toBeVisible();
  imageDelayMs = 4_000;
  await page.getByRole('button', { name: 'Import', exact: true }).click();

  await expect(page.getByRole('heading', { name: 'Importing…', exact: true })).toBeVisible();
  await expect(page.getByRole('progressbar', { name: 'Import progress' })).toBeVisible();
  await expect(page.getByText(/of 4 posts and pages · \d+ images?/)).toBeVisible();
  // A reload finds the import where it is: the job is in the address.
  await page.reload();
  await expect(page.getByRole('heading', { name: /^(Importing…|Imported)$/ })).toBeVisible();

  await expect(page.getByRole('heading', { name: 'Imported', exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText(/^Imported from WordPress \(“Garden Notes”\) in [\d.]+ s\.$/)).toBeVisible();
  await expect(page.getByText('Images: 1 stored in the blog.')).toBeVisible();
  expect(imageRequests).toBe(1);
  expect(await seriousFindings(page)).toEqual([]);
  await expect(page.getByRole('link', { name: `View the blog at garden-notes.localhost:${new URL(platform).port}` })).toHaveAttribute(
    'href',
    blogHost('garden-notes'),
  );
  await page.getByRole('link', { name: 'Open the blog’s dashboard' }).click();
  await expect(page).toHaveURL(`${platform}/dashboard/garden-notes`);
  await expect(page.getByRole('link', { name: 'First tomatoes of the year', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Seed list for next year', exact: true })).toBeVisible();

  // The post, at its address and with its date, its comment and its image, now the blog's own.
  await page.goto(`${blogHost('garden-notes')}/posts/first-tomatoes`);
  await expect(page.getByRole('heading', { level: 1, name: 'First tomatoes of the year' })).toBeVisible();
  await expect(page.locator('article time.post-date').first()).toHaveAttribute('datetime', '2024-05-12T09:30:00.000Z');
  await expect(page.locator('.comment-list')).toContainText('Three weeks early! What is your secret?');
  await expect(page.locator('.comment-list')).toContainText('Ben Okafor');
  await expect(page.locator('.comment-list')).not.toContainText('Buy now');
  const image = page.getByRole('img', { name: 'A handful of orange tomatoes' });
  await expect(image).toHaveAttribute('src', /^\/media\/\d+\//);
  const served = await blogRequest(page, 'garden-notes', (await image.getAttribute('src'))!);
  expect(served.status()).toBe(200);
  expect(served.headers()['content-type']).toMatch(/^image\//);

  // Its tag's page lists it.
  await page.getByRole('list', { name: 'Tags' }).getByRole('link', { name: 'Tomatoes' }).click();
  await expect(page).toHaveURL(`${blogHost('garden-notes')}/tag/tomatoes`);
  await expect(page.locator('.post-list article h2')).toHaveText(['First tomatoes of the year']);

  // The old addresses answer with one 301 to the new ones.
  const moved: [string, string][] = [
    ['/2024/05/first-tomatoes/', '/posts/first-tomatoes'],
    ['/2024/03/compost-heap/', '/posts/compost-heap'],
  ];
  for (const [old, now] of moved) {
    const answer = await blogRequest(page, 'garden-notes', old);
    expect(answer.status(), old).toBe(301);
    expect(new URL(answer.headers().location!, blogHost('garden-notes')).pathname).toBe(now);
  }
  // The private post came in as a draft: not for readers.
  expect((await blogRequest(page, 'garden-notes', '/posts/seed-list')).status()).toBe(404);
});

test('an owner imports into an existing blog from its settings; its own posts stay', async ({ page }) => {
  imageDelayMs = 0;
  await signUp(page, 'grower@example.com', { title: 'Plot 14', slug: 'plot14' });
  await publishPost(page, 'Already here', 'Written in Quire.');
  await page.goto(`${platform}/dashboard/plot14/settings`);
  await page.getByRole('link', { name: 'Import posts from WordPress, Ghost, Substack or Markdown into this blog' }).click();
  await expect(page).toHaveURL(`${platform}/dashboard/import?into=plot14`);
  await expect(page.locator('main > p').first()).toContainText('into Plot 14');

  await uploadAndCheck(page);
  await expect(page.getByRole('radio', { name: 'One of your blogs' })).toBeChecked();
  await expect(page.getByLabel('Blog', { exact: true })).toHaveValue('plot14');
  await page.getByRole('button', { name: 'Import', exact: true }).click();

  await expect(page.getByRole('heading', { name: 'Imported', exact: true })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('link', { name: 'Open the blog’s dashboard' }).click();
  await expect(page).toHaveURL(`${platform}/dashboard/plot14`);
  await expect(page.getByRole('link', { name: 'Already here', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: 'First tomatoes of the year', exact: true })).toBeVisible();

  const old = await blogRequest(page, 'plot14', '/2024/05/first-tomatoes/');
  expect(old.status()).toBe(301);
  await page.goto(`${blogHost('plot14')}/`);
  await expect(page.getByRole('link', { name: 'Already here' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Starting a compost heap' })).toBeVisible();
});

test('a file that is no export is refused with one clear sentence, and another can be chosen', async ({ page }) => {
  await signUp(page, 'hopeful@example.com', { title: 'Hopeful', slug: 'hopeful' });
  await expect(page).toHaveURL(`${platform}/dashboard/hopeful`);
  await page.goto(`${platform}/dashboard/import`);
  await page
    .getByLabel('Export file')
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Things to plant in spring: peas, broad beans.\n') });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('heading', { name: 'notes.txt cannot be imported' })).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'not an export' })).toHaveText(
    'This file is not an export Quire can read: a WordPress export (.xml), a Ghost export (.json or .zip), a Substack export (.zip) or a zip of Markdown files.',
  );
  await page.getByRole('button', { name: 'Choose another file' }).click();
  await expect(page.getByLabel('Export file')).toBeVisible();
  await expect(page).not.toHaveURL(/job=/);
});

test('a Ghost export does not name its site: given the address, its images are to be fetched from there', async ({ page }) => {
  await signUp(page, 'ghostwriter@example.com', { title: 'Ghostwriter', slug: 'ghostwriter' });
  await expect(page).toHaveURL(`${platform}/dashboard/ghostwriter`);
  await page.goto(`${platform}/dashboard/import`);
  const ghost = {
    name: 'field-notes.ghost.2024-06-01.json',
    mimeType: 'application/json',
    buffer: fs.readFileSync(new URL('../lib/imports/fixtures/ghost/ghost-5.json', import.meta.url)),
  };
  await page.getByLabel('Export file').setInputFiles(ghost);
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('heading', { name: 'Images that cannot be had' })).toBeVisible();
  await expect(page.getByText(/start over and give the old site’s address/)).toBeVisible();

  await page.getByRole('button', { name: 'Start over' }).click();
  await page.getByLabel('Export file').setInputFiles(ghost);
  await page.getByLabel('The old site’s address (optional)').fill('ftp://field-notes.example');
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'old address' })).toHaveText(
    'The old address must start with http:// or https://.',
  );
  await page.getByLabel('The old site’s address (optional)').fill(`http://127.0.0.1:${(images.address() as AddressInfo).port}`);
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByText(/^Images: \d+ found; 0 in the export, \d+ to fetch from the web\.$/)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Images that cannot be had' })).toHaveCount(0);
});
