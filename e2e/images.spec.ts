import { expect, test, type Locator } from '@playwright/test';
import { jpegWithGps, png } from '../lib/testing/images';
import { blogHost, platform, signUp } from './helpers';

/** Hands files to the textarea as the browser would on a paste or a drop. */
async function sendFiles(textarea: Locator, event: 'paste' | 'drop', files: { name: string; type: string; bytes: Buffer }[]) {
  await textarea.evaluate(
    (el, { event, files }) => {
      const data = new DataTransfer();
      for (const file of files) data.items.add(new File([Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))], file.name, { type: file.type }));
      const area = el as HTMLTextAreaElement;
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
      const init = { bubbles: true, cancelable: true };
      el.dispatchEvent(event === 'paste' ? new ClipboardEvent('paste', { ...init, clipboardData: data }) : new DragEvent('drop', { ...init, dataTransfer: data }));
    },
    { event, files: files.map((f) => ({ name: f.name, type: f.type, base64: f.bytes.toString('base64') })) },
  );
}

const loaded = (image: Locator) => image.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth);

test('an author puts images in a post by picker, paste and drop, picks a cover, publishes, and the reader sees them', async ({ page, browser, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform });
  await signUp(page, 'pictures@example.com', { title: 'Pictures', slug: 'pictures' });
  await page.getByRole('link', { name: 'New post' }).click();
  await page.getByLabel('Title').fill('Harbour at dawn');
  const markdown = page.getByLabel('Markdown');
  await markdown.fill('Before the picture.\n\nAfter the picture.');
  // The cursor between the two paragraphs: the image goes there, not at the end.
  await markdown.evaluate((el) => (el as HTMLTextAreaElement).setSelectionRange(21, 21));

  await page.getByLabel('Insert images').setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: await png(1400, 900) });
  await expect(markdown).toHaveValue(/^Before the picture\.\n\n!\[harbour\]\(\/media\/(\d+)\/harbour\.png\)After the picture\.$/);
  const preview = page.getByRole('region', { name: 'Preview' });
  await expect(preview.getByRole('img', { name: 'harbour' })).toHaveAttribute('srcset', /w640\/harbour\.png 640w/);
  await expect.poll(() => loaded(preview.getByRole('img', { name: 'harbour' }))).toBeGreaterThan(0);

  await sendFiles(markdown, 'paste', [{ name: 'pasted.jpg', type: 'image/jpeg', bytes: await jpegWithGps(800, 600) }]);
  await expect(markdown).toHaveValue(/After the picture\.!\[pasted\]\(\/media\/\d+\/pasted\.jpg\)$/);
  await sendFiles(markdown, 'drop', [{ name: 'dropped.png', type: 'image/png', bytes: await png(300, 200) }]);
  await expect(markdown).toHaveValue(/!\[pasted\]\(\/media\/\d+\/pasted\.jpg\)!\[dropped\]\(\/media\/\d+\/dropped\.png\)$/);

  // A file that is not an image is refused with the server's sentence; its placeholder goes.
  await page.getByLabel('Insert images').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('just text') });
  await expect(page.locator('.pane').getByRole('alert')).toHaveText('notes.png: This file is not a PNG, JPEG, GIF or WebP image, whatever its name says.');
  await expect(markdown).not.toHaveValue(/Uploading/);

  // The cover: chosen from the blog's images.
  const cover = page.getByRole('region', { name: 'Cover image' });
  await cover.getByRole('button', { name: 'Choose…' }).click();
  await cover.getByRole('list', { name: 'Your images' }).getByRole('button', { name: 'harbour.png' }).click();
  await expect(cover.getByRole('img', { name: 'Cover: harbour.png' })).toBeVisible();
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByRole('status')).toHaveText('Published.');

  // The reader: the cover on the home page, the images in the post, all loaded.
  const reader = await browser.newPage();
  await reader.goto(`${blogHost('pictures')}/`);
  await expect.poll(() => loaded(reader.locator('img.list-cover'))).toBeGreaterThan(0);
  await reader.getByRole('link', { name: 'Harbour at dawn' }).click();
  await expect(reader.getByRole('heading', { level: 1, name: 'Harbour at dawn' })).toBeVisible();
  for (const name of ['harbour', 'pasted', 'dropped']) {
    const image = reader.locator('.prose').getByRole('img', { name });
    await image.scrollIntoViewIfNeeded();
    await expect.poll(() => loaded(image), { message: name }).toBeGreaterThan(0);
  }
  expect(await reader.locator('.prose img').first().evaluate((el) => (el as HTMLImageElement).currentSrc)).toMatch(/\/media\/\d+\/(w\d+\/)?harbour\.png$/);
  await expect(reader.locator('meta[property="og:image"]')).toHaveAttribute('content', new RegExp(`^${blogHost('pictures')}/media/\\d+/harbour\\.png$`));
  await reader.close();

  // The media library: where each is used, a link to copy, and delete only for the unused.
  await page.getByRole('link', { name: 'Media' }).click();
  await expect(page.getByRole('heading', { name: 'Media' })).toBeVisible();
  await page.getByLabel('Upload images').setInputFiles({ name: 'spare.png', mimeType: 'image/png', buffer: await png(200, 200) });
  const spare = page.getByRole('row', { name: /spare\.png/ });
  await expect(spare).toContainText('Not used');
  const harbour = page.getByRole('row', { name: /harbour\.png/ });
  await expect(harbour).toContainText('Cover of Harbour at dawn');
  await expect(harbour.getByRole('button', { name: /Delete/ })).toHaveCount(0);
  await harbour.getByRole('button', { name: 'Copy link to harbour.png' }).click();
  await expect(harbour.getByText('Link copied.')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(new RegExp(`^${blogHost('pictures')}/media/\\d+/harbour\\.png$`));
  await spare.getByRole('button', { name: 'Delete spare.png' }).click();
  await page.getByRole('alertdialog', { name: 'Confirm deleting spare.png' }).getByRole('button', { name: 'Delete image' }).click();
  await expect(page.getByRole('row', { name: /spare\.png/ })).toHaveCount(0);
  await expect(page.getByRole('row', { name: /harbour\.png/ })).toBeVisible();
});
