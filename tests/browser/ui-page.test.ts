// The playground without training: start page, editor and URL, bad links, workshop flags, text-only imports, accessibility.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, openPage, withModule } from './harness';
import { axeViolations } from './ui-helpers';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('the playground', () => {
  test('opens on the plateau-toy preset with an explanation, a Run button and the gallery', async () => {
    const { page, errors } = await openPage(browser);
    await page.getByTestId('run').waitFor();
    expect(await page.getByTestId('run').textContent()).toBe('Run');
    expect(
      await page.getByRole('heading', { name: 'Less is more for alignment?' }).isVisible(),
    ).toBe(true);
    expect(await page.getByTestId('current-experiment').textContent()).toContain(
      'Quantity: the plateau (toy)',
    );
    expect(Number(await page.getByTestId('run-count').textContent())).toBe(15);
    expect(await page.locator('[data-preset]').count()).toBe(8);
    expect(await page.locator('[data-preset]').first().textContent()).toContain('32K');
    // The knowledge experiment's card says what to look for: facts the fine-tune never saw.
    const knowledge = page.locator('[data-preset="knowledge"]');
    expect(await knowledge.textContent()).toContain('held-out facts right');
    expect(page.url()).not.toContain('#');
    expect(errors).toEqual([]);
  });

  test('the URL follows the editor; out-of-bounds values show inline and never reach the URL', async () => {
    const { page, errors } = await openPage(browser, '#view=editor');
    // The sweep comes first, and a swept field says the axis, not its own value, is what runs.
    const order = await page
      .locator('fieldset[data-section]')
      .evaluateAll((fs) => fs.map((f) => f.getAttribute('data-section')));
    expect(order[0]).toBe('sweep');
    const axis = await withModule(page, '/src/spec/index.ts', (m) =>
      m
        .presetSpec('plateau-toy')
        .sweep.axes.find((a: { path: string }) => a.path === 'finetune.examples'),
    );
    expect(await page.getByTestId('swept-finetune.examples').textContent()).toContain(
      `Swept: ${axis!.values.join(', ')}`,
    );
    expect(await page.getByTestId('swept-finetune.epochs').count()).toBe(0);
    await page.locator('#f-finetune-epochs').fill('3');
    await page.waitForFunction(() => location.hash.includes('s='));
    const read = () =>
      withModule(
        page,
        '/src/ui/link.ts',
        (m) => m.readLink(location.hash).spec.finetune as { epochs: number; examples: number },
      );
    expect((await read()).epochs).toBe(3);
    const before = await page.evaluate(() => location.hash);

    await page.locator('#f-finetune-examples').fill('70000');
    const err = page.getByTestId('error-finetune.examples');
    await err.waitFor();
    expect(await err.textContent()).toContain('must be at most 65536');
    expect(await page.locator('#f-finetune-examples').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => location.hash)).toBe(before);

    // A cross-field rule from the schema shows beside its field too.
    await page.locator('#f-finetune-examples').fill('64');
    await page.locator('#f-model-nHead').fill('3');
    expect(await page.getByTestId('error-model.nEmbd').textContent()).toContain(
      'must divide by 3 heads',
    );
    await page.locator('#f-model-nHead').fill('');

    // Typing keeps what was typed on the way to a value ("0.0" before "0.05").
    await page.locator('#f-data-filler').fill('');
    await page.locator('#f-data-filler').pressSequentially('0.05');
    expect(await page.locator('#f-data-filler').inputValue()).toBe('0.05');
    await page.waitForFunction(() => location.hash !== '');
    const filler = await withModule(
      page,
      '/src/ui/link.ts',
      (m) => m.readLink(location.hash).spec.data.filler,
    );
    expect(filler).toBe(0.05);

    // A sweep value out of bounds is reported on the sweep.
    await page.getByTestId('axis-values-0').fill('16, 0');
    expect(await page.getByTestId('error-sweep').textContent()).toContain(
      'finetune.examples: must be at least 1',
    );
    await page.getByTestId('axis-values-0').fill('16, 32');
    await page.waitForFunction(() => !document.querySelector('[data-testid="error-sweep"]'));
    const spec = await withModule(page, '/src/ui/link.ts', (m) => m.readLink(location.hash).spec);
    expect(spec.sweep.axes[0]).toEqual({ path: 'finetune.examples', values: [16, 32] });
    expect(spec.finetune.epochs).toBe(3);
    expect(errors).toEqual([]);
  });

  test('a malformed link shows what is wrong and keeps the app usable on the default experiment', async () => {
    const { page, errors } = await openPage(browser, '#s=1.bm90LWRlZmxhdGU&view=editor');
    const banner = page.getByTestId('link-error');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('corrupt or truncated');
    // The default experiment, editable.
    await page.locator('#f-finetune-epochs').fill('5');
    await page.waitForFunction(() => location.hash.includes('s='));
    await page.getByTestId('tab-start').click();
    expect(await page.getByTestId('current-experiment').textContent()).toContain('Your experiment');
    expect(Number(await page.getByTestId('run-count').textContent())).toBe(15);
    expect(errors).toEqual([]);
  });

  test('workshop flags hide what they say, and only that', async () => {
    const { page } = await openPage(
      browser,
      '#view=editor&hide=advanced,device,gallery,finetune.lr',
    );
    await page.locator('fieldset[data-section="data"]').waitFor();
    for (const s of ['experiment', 'model', 'pretrain', 'optimizer', 'eval'])
      expect(await page.locator(`fieldset[data-section="${s}"]`).count(), s).toBe(0);
    for (const s of ['world', 'data', 'finetune', 'sweep'])
      expect(await page.locator(`fieldset[data-section="${s}"]`).count(), s).toBe(1);
    expect(await page.locator('[data-field="finetune.lr"]').count()).toBe(0);
    expect(await page.locator('[data-field="finetune.epochs"]').count()).toBe(1);
    expect(await page.getByTestId('tab-device').count()).toBe(0);
    expect(await page.getByTestId('tab-samples').count()).toBe(1);
    await page.getByTestId('tab-start').click();
    await page.getByTestId('run').waitFor();
    expect(await page.getByTestId('gallery').count()).toBe(0);
    // Editing keeps the flags in the URL, so a room keeps its view.
    await page.getByTestId('tab-editor').click();
    await page.locator('#f-finetune-epochs').fill('4');
    await page.waitForFunction(() =>
      location.hash.includes('hide=advanced,device,gallery,finetune.lr'),
    );
  });

  test('a lesson link opens its step; the room links split the sweep into shards', async () => {
    const { page, errors } = await openPage(browser, '#view=workshop&lesson=2');
    await page.locator('[data-lesson="2"]').waitFor();
    expect(await page.locator('[data-lesson="2"]').getAttribute('class')).toContain('current');
    await page.getByTestId('tab-start').click();
    expect(Number(await page.getByTestId('run-count').textContent())).toBe(3); // 1× with three seeds
    await page.getByTestId('tab-workshop').click();
    // The hide list uses the names on screen: tabs by their header names, sections by their titles.
    expect(
      await page.getByTestId('hide-device').evaluate((e) => e.parentElement!.textContent!.trim()),
    ).toBe('Device & data tab');
    expect(
      await page
        .getByTestId('hide-experiment')
        .evaluate((e) => e.parentElement!.textContent!.trim()),
    ).toBe('Experiment settings');
    await page.getByTestId('laptops').fill('3');
    const links = await page
      .getByTestId('room-link')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(links).toHaveLength(3);
    links.forEach((url, i) => {
      expect(url).toContain(`shard=${i + 1}/3`);
      expect(url).toContain('hide=advanced,device,workshop');
      expect(url).toContain('lesson=2');
    });
    // A participant's link: the lesson's experiment, the slice, and no workshop or device tabs.
    const { page: laptop } = await openPage(browser, new URL(links[1]).hash);
    await laptop.getByTestId('run').waitFor();
    expect(await laptop.getByTestId('current-experiment').textContent()).toContain('shard 2 of 3');
    expect(Number(await laptop.getByTestId('run-count').textContent())).toBe(3);
    // How much of the sweep is this laptop's, and the step's text and question without the Workshop tab.
    expect(await laptop.getByTestId('shard-runs').textContent()).toBe('1 of 3');
    const lesson = laptop.getByTestId('lesson');
    expect(await lesson.getByRole('heading').textContent()).toBe('Step 2 of 8: Fine-tuning on 1×');
    expect(await lesson.textContent()).toContain(
      'How few examples were needed to teach the format?',
    );
    expect(await laptop.getByTestId('tab-workshop').count()).toBe(0);
    expect(await laptop.getByTestId('tab-device').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  test('imported JSONL is shown as text, never as HTML, and bad lines are named', async () => {
    const { page } = await openPage(browser, '#view=device');
    const payload = '<img src=x onerror="window.__xss=1"><b>bold</b>';
    const good = JSON.stringify({ conversations: ['How do I do it?', payload] });
    await page.getByTestId('import-file').setInputFiles({
      name: 'mine.jsonl',
      mimeType: 'text/plain',
      buffer: Buffer.from(`${good}\n`),
    });
    const preview = page.getByTestId('import-preview').first();
    await preview.waitFor();
    expect(await preview.textContent()).toContain(payload);
    expect(await preview.locator('img, b').count()).toBe(0);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();

    await page.getByTestId('import-file').setInputFiles({
      name: 'bad.jsonl',
      mimeType: 'text/plain',
      buffer: Buffer.from(`${good}\n{"conversations": ["only one"]}\n`),
    });
    const errs = page.getByTestId('import-errors');
    await errs.waitFor();
    expect(await errs.textContent()).toContain('line 2: odd number of turns');
  });

  test('axe-core finds no serious or critical violations on the main views', async () => {
    const { page } = await openPage(browser);
    await page.getByTestId('run').waitFor();
    const found: Record<string, string[]> = {};
    for (const view of ['start', 'editor', 'workshop', 'device', 'run', 'results', 'samples']) {
      await page.getByTestId(`tab-${view}`).click();
      await page.waitForTimeout(300);
      found[view] = await axeViolations(page);
    }
    expect(found).toEqual({
      start: [],
      editor: [],
      workshop: [],
      device: [],
      run: [],
      results: [],
      samples: [],
    });
  });
});
