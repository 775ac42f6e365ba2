import { expect, test } from '@playwright/test';
import { PORT, publishPost, signUp } from './helpers';

// Headless Chromium says "HeadlessChrome", which the bot filter rightly ignores; a reader's
// browser says Chrome.
const READER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

test("a read in the browser shows up in the author's stats", async ({ page, browser }) => {
  await signUp(page, 'counted@example.com', { title: 'Counted', slug: 'counted' });
  await publishPost(page, 'Worth reading', 'Read me, and be counted.');

  const reader = await browser.newContext({ userAgent: READER_UA });
  const readerPage = await reader.newPage();
  const beacon = readerPage.waitForRequest((request) => request.url().endsWith('/api/pv') && request.method() === 'POST');
  await readerPage.goto(`http://counted.localhost:${PORT}/posts/worth-reading`);
  await expect(readerPage.getByRole('heading', { level: 1, name: 'Worth reading' })).toBeVisible();
  await beacon;
  await reader.close();

  await page.getByRole('link', { name: 'Stats' }).click();
  await expect(page).toHaveURL(/\/dashboard\/counted\/stats$/);
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('row', { name: /Worth reading/ })).toContainText('1');
  }).toPass({ timeout: 10_000 });
  await expect(page.getByRole('img', { name: /Views per day: 1 in 30 days/ })).toBeVisible();
  await page.getByRole('link', { name: '7 days' }).click();
  await expect(page.getByRole('img', { name: /in 7 days/ })).toBeVisible();

  // The posts list shows the view too.
  await page.getByRole('link', { name: 'Posts' }).click();
  await expect(page).toHaveURL(/\/dashboard\/counted$/);
  await expect(
    page
      .getByRole('row', { name: /Worth reading/ })
      .getByRole('cell')
      .last(),
  ).toHaveText('1');
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the stats page reads on a phone: labels of a readable size, nothing wider than the screen', async ({ page, browser }, testInfo) => {
    await signUp(page, 'pocket@example.com', { title: 'Pocket', slug: 'pocket' });
    await expect(page).toHaveURL(/\/dashboard\/pocket$/);
    const title = 'A rather long title, of the kind people give their posts when they have a lot to say';
    await publishPost(page, title, 'Read me on a small screen.');

    // One reader, arriving from a site with a long name: the tables have a row each.
    const reader = await browser.newContext({ userAgent: READER_UA });
    const readerPage = await reader.newPage();
    const beacon = readerPage.waitForRequest((request) => request.url().endsWith('/api/pv') && request.method() === 'POST');
    await readerPage.goto(
      `http://pocket.localhost:${PORT}/posts/a-rather-long-title-of-the-kind-people-give-their-posts-when-they-have-a-lot-to-say`,
      {
        referer: 'https://a-very-long-subdomain-of-a-link-aggregator.news.example.org/item?id=1',
      },
    );
    await beacon;
    await reader.close();

    await page.goto(`http://localhost:${PORT}/dashboard/pocket/stats`);
    await expect(async () => {
      await page.reload();
      await expect(page.getByRole('row', { name: /A rather long title/ })).toContainText('1');
    }).toPass({ timeout: 10_000 });
    await expect(page.getByRole('row', { name: /link-aggregator/ })).toContainText('1');

    // The chart keeps its name and a title on every bar.
    const chart = page.getByRole('img', { name: 'Views per day: 1 in 30 days' });
    await expect(chart).toBeVisible();
    await expect(chart.locator('rect > title')).toHaveCount(30);

    // The chart's labels, whatever draws them: the day ("12-01") under the bars, views beside them.
    const labels = await page.locator('figure.chart *').evaluateAll((elements) =>
      elements
        .filter((element) => element.children.length === 0 && /^(\d{2}-\d{2}|\d[\d,]*)$/.test(element.textContent ?? ''))
        .filter((element) => element.checkVisibility({ visibilityProperty: true }))
        .map((element) => {
          const box = element.getBoundingClientRect();
          const text = element.textContent ?? '';
          return {
            text,
            day: text.includes('-'),
            fontSize: parseFloat(getComputedStyle(element).fontSize),
            height: box.height,
            left: box.left,
            right: box.right,
          };
        }),
    );
    expect(labels.filter((label) => !label.day)).toHaveLength(3); // 0, half and top of the scale
    for (const label of labels) {
      expect(label.fontSize, `font size of "${label.text}"`).toBeGreaterThanOrEqual(11);
      expect(label.height, `height of "${label.text}"`).toBeGreaterThanOrEqual(11);
    }
    // The day labels do not run into each other, and none leaves the screen.
    const dayLabels = labels.filter((label) => label.day);
    expect(dayLabels.length).toBeGreaterThanOrEqual(3);
    for (const [i, box] of dayLabels.entries()) {
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.right).toBeLessThanOrEqual(390);
      if (i > 0) expect(box.left, `"${box.text}" after "${dayLabels[i - 1]!.text}"`).toBeGreaterThan(dayLabels[i - 1]!.right);
    }

    // Nothing is wider than the phone: no sideways scrolling, the tables inside the screen.
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      for (const table of await page.locator('table').all()) {
        const box = (await table.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(390);
      }
      // For a person to look at (test-results/): how it reads is not something to measure.
      const path = testInfo.outputPath(`stats-phone-${scheme}.png`);
      await page.screenshot({ path, fullPage: true });
      await testInfo.attach(`stats on a phone, ${scheme}`, { path, contentType: 'image/png' });
    }
  });
});
