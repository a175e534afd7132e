// Hostile URLs: bad escapes, huge queries, doubled fragments, prototype names — every one gives a usable page and no page error.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { deflateSync, strToU8 } from 'fflate';
import { launch, openPage } from './harness';
import { encodeSpec, presetSpec, toBase64Url } from '../../src/spec';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

const HOSTILE = [
  '/?%ZZ',
  '/?%E0%A4%A',
  '/?tfjsflags=WEBGPU_CPU_FORWARD:%ZZ,PROD:false',
  '/?tfjsflags=IS_TEST:true',
  `/?${'a=%ZZ&'.repeat(1200)}`,
  `/#${'x'.repeat(200_000)}`,
  `/#s=1.${'A'.repeat(20_000)}`,
  '/#s=1.q1bKzU9JzVGyio7VUSpOTU1RsrKsBQA#s=1.q1ZKSSxJVLKKjq0FAA',
  '/##view=editor#view=results',
  '/#%ZZ=%E0%A4%A&view=%ZZ',
  '/#__proto__=1&constructor=2&prototype=3',
  '/?__proto__[polluted]=1&constructor[prototype][polluted]=1',
  '/#view=__proto__&hide=__proto__,constructor,toString&lesson=__proto__&shard=__proto__',
  '/#view=constructor',
  '/#s=__proto__&r=__proto__',
  '/#unknown=1&another=two&view=editor',
  '/#view=editor&view=results&s=&s=1.',
  '/#lesson=1e308&shard=999/999',
];

describe('a hostile URL', () => {
  test.each(HOSTILE.map((u) => [u.length > 80 ? `${u.slice(0, 60)}… (${u.length} chars)` : u, u]))(
    '%s gives a usable page with no page error and no tfjs in the page',
    async (_name, url) => {
      const { page, errors } = await openPage(browser, url);
      // Usable: the tabs answer and the start page offers Run on some experiment.
      await page.getByTestId('tab-start').click();
      await page.getByTestId('run').waitFor();
      expect(Number(await page.getByTestId('run-count').textContent())).toBeGreaterThan(0);
      await page.getByTestId('tab-editor').click();
      await page.locator('#f-finetune-epochs').waitFor();
      expect(
        await page.evaluate(() => (Object.prototype as Record<string, unknown>).polluted),
      ).toBeUndefined();
      // tfjs belongs in the workers: the page's own realm never loads it (its engine global is absent).
      expect(
        await page.evaluate(() => '_tfengine' in globalThis || '_tfGlobals' in globalThis),
      ).toBe(false);
      expect(errors).toEqual([]);
      await page.context().close();
    },
  );
});

describe('a link whose content is not what it claims', () => {
  test.each([
    ['1.q1bKzU9JzVGyio7VUSpOTU1RsrKsBQA', 'model'], // {"model":[],"seed":9}
    ['1.q1ZKSSxJVLKKjq0FAA', 'data'], // {"data":[]}
    ['1.q1ZKy8xLLSnNS1Wyio6tBQA', 'finetune'], // {"finetune":[]}
  ])('#s=%s (a list for %s) is refused whole with a banner', async (link, section) => {
    const { page, errors } = await openPage(browser, `#s=${link}&view=editor`);
    const banner = page.getByTestId('link-error');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(
      `${section}: must be an object of settings, not a list`,
    );
    // Nothing of it was applied: the seed is the default experiment's, not the link's 9.
    expect(await page.locator('#f-seed').inputValue()).toBe('1');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  test('a results summary with means of ±1e308 is refused by name and no chart sees it', async () => {
    const spec = encodeSpec(presetSpec('plateau-toy'));
    const raw = (json: string) => `1.${toBase64Url(deflateSync(strToU8(json), { level: 9 }))}`;
    const r = raw(
      '["0123456789abcdef","wasm",[["0123456789abcdef",1e308,0.1,12,0.5],["fedcba9876543210",-1e308,1e308,3,0]]]',
    );
    const { page, errors } = await openPage(browser, `#s=${spec}&r=${r}&view=results`);
    const banner = page.getByTestId('link-error');
    await banner.waitFor();
    const text = await banner.textContent();
    expect(text).toContain(
      'shared results: the results summary is damaged: run 1, mean: must be at most 6',
    );
    expect(text).toContain('run 2, mean: must be at least 1');
    await page.getByTestId('tab-results').click();
    await page.getByText('Loading the runner…').waitFor({ state: 'detached' });
    expect(await page.getByTestId('reference-note').count()).toBe(0);
    expect(await page.locator('svg [cy="NaN"], svg [y="NaN"], svg [x="NaN"]').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
