// Hostile URLs: bad escapes, huge queries, doubled fragments, prototype names — every one gives a usable page and no page error.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, openPage } from './harness';

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
