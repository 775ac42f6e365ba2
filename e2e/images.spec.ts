import { expect, test, type Locator } from '@playwright/test';
import { jpegWithGps, png } from '../lib/testing/images';
import { blogHost, platform, signUp } from './helpers';

/** Hands files to the textarea as the browser would on a paste or a drop. */
async function sendFiles(textarea: Locator, event: 'paste' | 'drop', files: { name: string; type: string; bytes: Buffer }[]) {
  await textarea.evaluate(
    (el, { event, files }) => {
      const data = new DataTransfer();
      for (const file of files)
        data.items.add(new File([Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))], file.name, { type: file.type }));
      const area = el as HTMLTextAreaElement;
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
      const init = { bubbles: true, cancelable: true };
      el.dispatchEvent(
        event === 'paste'
          ? new ClipboardEvent('paste', { ...init, clipboardData: data })
          : new DragEvent('drop', { ...init, dataTransfer: data }),
      );
    },
    { event, files: files.map((f) => ({ name: f.name, type: f.type, base64: f.bytes.toString('base64') })) },
  );
}

const loaded = (image: Locator) => image.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth);

test('an author puts images in a post by picker, paste and drop, picks a cover, publishes, and the reader sees them', async ({
  page,
  browser,
  context,
}) => {
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
  await expect(page.locator('.pane').getByRole('alert')).toHaveText(
    'notes.png: This file is not a PNG, JPEG, GIF or WebP image, whatever its name says.',
  );
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
  expect(
    await reader
      .locator('.prose img')
      .first()
      .evaluate((el) => (el as HTMLImageElement).currentSrc),
  ).toMatch(/\/media\/\d+\/(w\d+\/)?harbour\.png$/);
  await expect(reader.locator('meta[property="og:image"]')).toHaveAttribute(
    'content',
    new RegExp(`^${blogHost('pictures')}/media/\\d+/harbour\\.png$`),
  );
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
  expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(
    new RegExp(`^${blogHost('pictures')}/media/\\d+/harbour\\.png$`),
  );
  await spare.getByRole('button', { name: 'Delete spare.png' }).click();
  await page.getByRole('alertdialog', { name: 'Confirm deleting spare.png' }).getByRole('button', { name: 'Delete image' }).click();
  await expect(page.getByRole('row', { name: /spare\.png/ })).toHaveCount(0);
  await expect(page.getByRole('row', { name: /harbour\.png/ })).toBeVisible();
});

test('an author describes images as they go in, readers get the descriptions as alt text, and the media library edits them', async ({
  page,
  browser,
}) => {
  await signUp(page, 'described@example.com', { title: 'Described', slug: 'described' });
  await page.getByRole('link', { name: 'New post' }).click();
  await page.getByLabel('Title').fill('Lighthouse');
  const markdown = page.getByLabel('Markdown');
  await markdown.fill('Look:\n\n');

  // One image: the prompt appears under the text, with its thumbnail and name, the field focused.
  await page.getByLabel('Insert images').setInputFiles({ name: 'lighthouse.png', mimeType: 'image/png', buffer: await png(1200, 800) });
  await expect(markdown).toHaveValue(/^Look:\n\n!\[lighthouse\]\(\/media\/\d+\/lighthouse\.png\)$/);
  const prompt = page.getByRole('form', { name: 'Describe lighthouse.png' });
  await expect(prompt).toContainText('lighthouse.png');
  await expect.poll(() => loaded(prompt.locator('img.describe-thumb'))).toBeGreaterThan(0);
  const field = prompt.getByLabel('Describe this image');
  await expect(field).toBeFocused();
  // Saving with nothing typed asks for a description instead.
  await page.keyboard.press('Enter');
  await expect(prompt.getByRole('alert')).toHaveText('Type a description, or choose Skip.');
  // Typed and saved from the keyboard; brackets are escaped in the Markdown and shown as typed.
  await page.keyboard.type('A white lighthouse [on] a cliff');
  await page.keyboard.press('Enter');
  await expect(prompt).toHaveCount(0);
  await expect(markdown).toHaveValue(/^Look:\n\n!\[A white lighthouse \\\[on\\\] a cliff\]\(\/media\/\d+\/lighthouse\.png\)$/);
  await expect(markdown).toBeFocused();
  const preview = page.getByRole('region', { name: 'Preview' });
  await expect(preview.getByRole('img', { name: 'A white lighthouse [on] a cliff', exact: true })).toBeVisible();

  // Two at once: asked one after the other; skipped (with the button, then Escape), each keeps its file name.
  await sendFiles(markdown, 'drop', [
    { name: 'gulls.png', type: 'image/png', bytes: await png(300, 200) },
    { name: 'rocks.png', type: 'image/png', bytes: await png(300, 200) },
  ]);
  await expect(markdown).toHaveValue(/!\[gulls\]\(\/media\/\d+\/gulls\.png\)\n!\[rocks\]\(\/media\/\d+\/rocks\.png\)$/);
  const gulls = page.getByRole('form', { name: 'Describe gulls.png' });
  await expect(gulls).toContainText('1 more to describe after this one');
  await expect(gulls.getByLabel('Describe this image')).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(gulls.getByRole('button', { name: 'Skip' })).toBeFocused();
  await page.keyboard.press('Enter');
  const rocks = page.getByRole('form', { name: 'Describe rocks.png' });
  await expect(rocks.getByLabel('Describe this image')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(rocks).toHaveCount(0);
  await expect(markdown).toBeFocused();
  await expect(markdown).toHaveValue(/!\[gulls\]\(\/media\/\d+\/gulls\.png\)\n!\[rocks\]\(\/media\/\d+\/rocks\.png\)$/);

  // The cover chooser shows each image's description, and the chosen cover's.
  const cover = page.getByRole('region', { name: 'Cover image' });
  await cover.getByRole('button', { name: 'Choose…' }).click();
  const library = cover.getByRole('list', { name: 'Your images' });
  await expect(library.getByRole('button', { name: 'gulls.png', exact: true })).toBeVisible();
  await library.getByRole('button', { name: 'lighthouse.png: A white lighthouse [on] a cliff' }).click();
  await expect(cover).toContainText('A white lighthouse [on] a cliff');
  await page.getByRole('button', { name: 'Publish now' }).click();
  await expect(page.getByText('Published.')).toBeVisible();

  // The reader: the description is the image's alt text in the post, and the cover's.
  const reader = await browser.newPage();
  await reader.goto(`${blogHost('described')}/posts/lighthouse`);
  await expect(reader.locator('.prose img').first()).toHaveAttribute('alt', 'A white lighthouse [on] a cliff');
  await expect(reader.locator('img.post-cover')).toHaveAttribute('alt', 'A white lighthouse [on] a cliff');
  await reader.goto(`${blogHost('described')}/`);
  await expect(reader.locator('img.list-cover')).toHaveAttribute('alt', 'A white lighthouse [on] a cliff');

  // The media library: each description, "No description" where there is none, edited in place.
  await page.getByRole('link', { name: 'Media' }).click();
  await expect(page.getByRole('row', { name: /gulls\.png/ })).toContainText('No description');
  const row = page.getByRole('row', { name: /lighthouse\.png/ });
  await expect(row).toContainText('A white lighthouse [on] a cliff');
  await row.getByRole('button', { name: 'Edit description of lighthouse.png' }).click();
  const edit = row.getByLabel('Description of lighthouse.png');
  await expect(edit).toBeFocused();
  await expect(edit).toHaveValue('A white lighthouse [on] a cliff');
  await edit.fill('The lighthouse at sunset');
  await row.getByRole('button', { name: 'Save' }).click();
  await expect(row).toContainText('The lighthouse at sunset');
  await expect(row.getByRole('button', { name: 'Edit description of lighthouse.png' })).toBeFocused();
  await page.reload();
  await expect(page.getByRole('row', { name: /lighthouse\.png/ })).toContainText('The lighthouse at sunset');

  // The cover follows at once; the post's Markdown keeps the alt text it was written with.
  await reader.reload();
  await expect(reader.locator('img.list-cover')).toHaveAttribute('alt', 'The lighthouse at sunset');
  await reader.goto(`${blogHost('described')}/posts/lighthouse`);
  await expect(reader.locator('img.post-cover')).toHaveAttribute('alt', 'The lighthouse at sunset');
  await expect(reader.locator('meta[property="og:image:alt"]')).toHaveAttribute('content', 'The lighthouse at sunset');
  await expect(reader.locator('.prose img').first()).toHaveAttribute('alt', 'A white lighthouse [on] a cliff');
  await reader.close();
});
