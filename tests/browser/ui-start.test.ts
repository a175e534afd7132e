// The start page as a newcomer meets it: a header in one row, each preset's time on this device, and a question before hours of work.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { baseUrl, launch } from './harness';
import { axeViolations } from './ui-helpers';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** A page whose device has a measured training speed on every backend (what a first run leaves behind). */
async function withSpeed(width = 1366, smallFlops?: number) {
  const context = await browser.newContext({ viewport: { width, height: 768 } });
  await context.addInitScript((small) => {
    const speed = { flopsPerSec: 5e9, at: 1, source: 'measured' };
    const speeds: Record<string, typeof speed> = { wasm: speed, webgpu: speed, cpu: speed };
    // The small model's own speed, as a run of a small preset leaves it.
    if (small)
      for (const b of ['wasm', 'webgpu', 'cpu'])
        speeds[`${b}:small`] = { ...speed, flopsPerSec: small };
    localStorage.setItem('lima-lab:speed', JSON.stringify(speeds));
  }, smallFlops);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(baseUrl());
  await page.getByTestId('chosen-worker').waitFor({ timeout: 60_000 });
  return { page, errors };
}

describe('the start page', () => {
  test('the header fits one row at 800 px', async () => {
    const { page } = await withSpeed(800);
    const tops = await page
      .locator('header h1, header [role="tab"], header [data-testid="share"]')
      .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
    expect(tops.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...tops) - Math.min(...tops)).toBeLessThan(12);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(800);
    // The development server cannot work offline, and the device tab says so.
    await page.getByTestId('tab-device').click();
    expect(await page.getByTestId('offline-status').getAttribute('data-ready')).toBe('no');
    expect(await page.getByTestId('offline-status').textContent()).toContain('npm run build');
    await page.context().close();
  });

  test('every preset shows its time on this device; full size flags the ones for a GPU', async () => {
    const { page, errors } = await withSpeed();
    const toy = await page.getByTestId('time-toy').allTextContents();
    const full = await page.getByTestId('time-full').allTextContents();
    expect(toy).toHaveLength(8);
    expect(full).toHaveLength(8);
    for (const t of [...toy, ...full]) expect(t).toMatch(/about \d+(\.\d)? (s|min|h) on \w+/);
    const plateau = page.locator('[data-preset="plateau"]');
    expect(await plateau.getByTestId('time-full').textContent()).toMatch(/h on \w+ — for a GPU/);
    expect(await page.getByTestId('start-time').textContent()).toMatch(/about .* on \w+/);
    // The buttons' names are their visible text; the card's title describes them.
    const load = plateau.getByRole('button', { name: 'Load full size' });
    expect(await load.count()).toBe(1);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  test("a small model's preset is timed at the small model's own speed", async () => {
    const minutes = async (smallFlops: number) => {
      const { page, errors } = await withSpeed(1366, smallFlops);
      const card = page.locator('[data-preset="knowledge"]').getByTestId('time-toy');
      const text = (await card.textContent())!;
      expect(errors).toEqual([]);
      await page.context().close();
      const m = /about ([\d.]+) (s|min|h) on/.exec(text)!;
      return Number(m[1]) * { s: 1 / 60, min: 1, h: 60 }[m[2] as 's' | 'min' | 'h'];
    };
    // Twice the small model's speed halves the time; the toy's speed is the same in both.
    expect((await minutes(1e10)) / (await minutes(2e10))).toBeCloseTo(2, 0);
  });

  test('Run on a preset of hours asks first and offers the toy variant', async () => {
    const { page, errors } = await withSpeed();
    await page
      .locator('[data-preset="plateau"]')
      .getByRole('button', { name: 'Load full size' })
      .click();
    await page.getByTestId('run').click();
    const ask = page.getByTestId('long-run');
    await ask.waitFor();
    expect(await ask.textContent()).toMatch(/about [\d.]+ h on \w+/);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByTestId('long-run-toy').click();
    await ask.waitFor({ state: 'detached' });
    await page.getByTestId('tab-start').click();
    expect(await page.getByTestId('current-experiment').textContent()).toContain('(toy)');
    // Nothing ran: the Run tab carries no running dot.
    expect(await page.getByTestId('tab-run').textContent()).not.toContain('running');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
