// What a newcomer reads on the results: the verdict from the data, honest captions, every run in the charts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { launch, openPage } from './harness';
import { axeViolations } from './ui-helpers';
import { resultsFixture } from './fixtures';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const SIZES = { path: 'finetune.examples', values: [4, 8, 16, 32] };
const SEEDS = { path: 'finetune.seed', values: [1, 2, 3] };
/** 4 sizes × 3 seeds: twelve runs, more than the ten the loss chart once drew. */
const plateau = (means: number[]) =>
  resultsFixture(
    [SIZES, SEEDS],
    (p) => means[SIZES.values.indexOf(p['finetune.examples'] as number)],
  );

/** Opens the merge screen with one results file, as an instructor would. */
async function merged(body: string): Promise<Page> {
  const { page, errors } = await openPage(browser, '#view=workshop');
  const merge = page.getByTestId('merge');
  await merge
    .getByTestId('merge-files')
    .setInputFiles([
      { name: 'room.json', mimeType: 'application/json', buffer: Buffer.from(body) },
    ]);
  await merge.getByTestId('verdict').first().waitFor();
  expect(errors).toEqual([]);
  return page;
}

describe('the verdict under the chart', () => {
  test('no clear gain over the whole range reads as reproduced, and says what LIMA found', async () => {
    const page = await merged(plateau([2.0, 2.1, 2.0, 2.05]));
    const v = page.getByTestId('verdict');
    expect(await v.count()).toBe(1);
    expect(await v.getAttribute('data-outcome')).toBe('reproduced');
    const text = (await v.textContent()) ?? '';
    expect(text).toContain('a 16-fold increase did not help');
    expect(text).toContain('+0.05 over the 8-fold range (2.00 at 4 → 2.05 at 32 examples)');
    expect(text).toContain('the plateau appeared');
    // The caption says what is drawn, not what LIMA found.
    const caption = await page.locator('[data-chart="plateau"] .caption').first().textContent();
    expect(caption).not.toMatch(/LIMA|did not help/);
    await page.close();
  });

  test('a flat top step after a clear climb reads as a plateau at the top only', async () => {
    const page = await merged(plateau([1.2, 1.8, 2.0, 2.0]));
    const v = page.getByTestId('verdict');
    expect(await v.getAttribute('data-outcome')).toBe('in direction');
    const text = (await v.textContent()) ?? '';
    expect(text).toContain('+0.00 from 16 to 32 examples, inside the 95% intervals');
    expect(text).toContain('a plateau at the top only');
    await page.close();
  });

  test('scores rising fastest at the top read as not reproduced', async () => {
    const page = await merged(plateau([1.2, 1.4, 1.7, 2.5]));
    const v = page.getByTestId('verdict');
    expect(await v.getAttribute('data-outcome')).toBe('not reproduced');
    expect(await v.textContent()).toContain(
      'scores rise most at the top: +0.80 from 16 to 32 examples, the 95% intervals do not overlap — no plateau',
    );
    await page.close();
  });
});

describe('the charts', () => {
  test('every fine-tuning run is drawn, one legend entry per size; no Conditions chart without a condition', async () => {
    const page = await merged(plateau([1.2, 1.8, 2.0, 2.0]));
    const loss = page.locator('[data-chart="loss-finetune"]');
    expect(await loss.getByTestId('loss-line').count()).toBe(12);
    expect(await loss.getByTestId('loss-legend').allTextContents()).toEqual([
      '4 examples',
      '8 examples',
      '16 examples',
      '32 examples',
    ]);
    expect(await page.locator('[data-chart="conditions"]').count()).toBe(0);
    // A tick at every size, labelled as measured.
    const ticks = await page
      .locator('[data-testid="plateau-chart"] text[text-anchor="middle"]')
      .allTextContents();
    for (const x of ['4', '8', '16', '32']) expect(ticks).toContain(x);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  test('a saved chart carries its title, caption, the experiment link and the date', async () => {
    const page = await merged(plateau([1.2, 1.8, 2.0, 2.0]));
    const chart = page.locator('[data-chart="plateau"]');
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      chart.getByRole('button', { name: /as SVG/ }).click(),
    ]);
    const svg = readFileSync((await file.path())!, 'utf8');
    expect(svg).toContain('>Quality vs quantity</text>');
    expect(svg).toContain('Mean judge score (1–6) against fine-tuning examples');
    expect(svg).toMatch(/Saved \d{4}-\d{2}-\d{2} from LIMA Lab\./);
    expect(svg).toContain('#view=workshop');
    await page.close();
  });
});
