// Your own data in the page: a JSONL file becomes the fine-tuning set of a micro sweep on wasm; a link naming a file this browser lacks says so.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, openPage, withModule } from './harness';
import { axeViolations, MICRO } from './ui-helpers';
import { encodeSpec, parseSpec } from '../../src/spec';
import { textSha256 } from '../../src/util/hash';

const conversations = Array.from({ length: 6 }, (_, i) => [
  `Who keeps the lighthouse number ${i}?`,
  `The lighthouse number ${i} is kept by <b>Ada</b>.`,
]);
const jsonl = conversations.map((c) => JSON.stringify({ conversations: c })).join('\n') + '\n';

function hashOf(input: unknown): string {
  const r = parseSpec(input);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return `#s=${encodeSpec(r.value)}`;
}

const readSpec = (page: Parameters<typeof withModule>[0]) =>
  withModule(page, '/src/ui/link.ts', (m) => m.readLink(location.hash).spec);

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('imported data', () => {
  test('a JSONL file used for fine-tuning trains a micro sweep on wasm to the end, with samples', async () => {
    const { page, errors } = await openPage(
      browser,
      `${hashOf({ ...MICRO, backend: 'wasm' })}&view=device`,
    );
    page.on('dialog', (d) => void d.accept());
    await page.getByTestId('import-file').setInputFiles({
      name: 'lighthouse.jsonl',
      mimeType: 'text/plain',
      buffer: Buffer.from(jsonl),
    });
    expect(await page.getByTestId('import-summary').textContent()).toContain('6 conversations');
    // The evaluation caveat sits next to the choice, before anything is chosen.
    expect(await page.getByTestId('import-eval-note').textContent()).toContain(
      "Evaluation stays the world's held-out judge",
    );
    await page.getByTestId('use-for-finetuning').click();
    const used = page.getByTestId('import-use-result');
    await used.waitFor();
    expect(await used.textContent()).toContain(
      'now fine-tunes on “lighthouse.jsonl” (6 conversations)',
    );
    // The link names the file by its hash, never carries its text.
    const spec = await readSpec(page);
    expect(spec.data.importedSft).toEqual({
      hash: textSha256(jsonl),
      name: 'lighthouse.jsonl',
      bytes: Buffer.byteLength(jsonl),
      count: 6,
    });
    expect(decodeURIComponent(await page.evaluate(() => location.hash))).not.toContain('Ada');
    // The storage manager lists the file with its size.
    const row = page.getByTestId('import-list').locator(`tr[data-hash="${textSha256(jsonl)}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('fine-tuning, 6 conversations');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByTestId('tab-editor').click();
    expect(await page.getByTestId('imported-sft').textContent()).toContain('lighthouse.jsonl');
    expect(await page.getByTestId('world-corpus').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByTestId('tab-start').click();
    await page.getByTestId('run').click();
    await page.waitForFunction(
      () =>
        /^(done|failed)$/.test(
          document.querySelector('[data-testid="sweep-status"]')?.textContent ?? '',
        ),
      null,
      { timeout: 240_000 },
    );
    const messages = await page.locator('.messages li').allTextContents();
    expect(await page.getByTestId('sweep-status').textContent(), messages.join('\n')).toBe('done');
    expect(await page.getByTestId('run-backend').textContent()).toBe('wasm');
    expect(await page.locator('[data-testid="stage-queue"] tr.done').count()).toBe(10);
    // 8 examples asked, 6 in the file: the run says it trains on all 6.
    expect(messages.join('\n')).toContain(
      'fewer than finetune.examples = 8: fine-tuning uses all 6',
    );

    await page.getByTestId('tab-samples').click();
    await page.getByTestId('sample').first().waitFor();
    expect(await page.getByTestId('sample').count()).toBe(10);
    expect(
      (await page.getByTestId('judge-reason').allTextContents()).every((r) => r.trim().length > 3),
    ).toBe(true);

    // Deleting the file: the experiment still names it, so the page asks for it again.
    await page.getByTestId('tab-device').click();
    await row.getByTestId('delete-import').click();
    const banner = page.getByTestId('missing-import');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('"lighthouse.jsonl" (6 conversations');
    // Back to the world's data from the editor: the banner goes, the link no longer names the file.
    await page.getByTestId('tab-editor').click();
    await page.getByTestId('use-world-sft').click();
    await page.getByTestId('world-sft').waitFor();
    await banner.waitFor({ state: 'detached' });
    expect((await readSpec(page)).data.importedSft).toBeUndefined();
    expect(errors).toEqual([]);
  });

  test('a link naming an import this browser lacks opens, says which file, and a run stops before any work', async () => {
    const hash = textSha256('a file that was never imported here');
    const ref = { hash, name: 'their-data.jsonl', bytes: 1234, count: 50 };
    const { page, errors } = await openPage(
      browser,
      hashOf({ ...MICRO, backend: 'wasm', data: { ...MICRO.data, importedSft: ref } }),
    );
    const banner = page.getByTestId('missing-import');
    await banner.waitFor();
    const text = await banner.textContent();
    expect(text).toContain(
      'This experiment fine-tunes on the imported file "their-data.jsonl" (50 conversations',
    );
    expect(text).toContain(hash);
    expect(text).toContain('Import that file under Device & data → Your own data');
    expect(await axeViolations(page)).toEqual([]);
    // The page stays usable: the experiment is the link's, and Run says what is missing.
    expect(await page.getByTestId('link-error').count()).toBe(0);
    await page.getByTestId('run').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="sweep-status"]')?.textContent === 'failed',
      null,
      { timeout: 60_000 },
    );
    const error = page.locator('.messages li.error');
    expect(await error.textContent()).toContain(
      'fine-tunes on the imported file "their-data.jsonl"',
    );
    expect(await error.textContent()).toContain(hash);
    expect(await page.locator('[data-testid="stage-queue"] tr.queued').count()).toBe(10);
    expect(await page.locator('[data-testid="stage-queue"] tr.done').count()).toBe(0);
    await page.getByTestId('tab-editor').click();
    expect(await page.getByTestId('imported-sft').textContent()).toContain('their-data.jsonl');
    expect(errors).toEqual([]);
  });
});
