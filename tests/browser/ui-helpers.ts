// Shared steps of the UI browser tests: an accessibility check with axe-core, and a micro sweep's link.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { encodeSpec, parseSpec } from '../../src/spec';

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** Serious and critical WCAG 2 A/AA violations on the page as it is now, as readable lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window)))
    await page.addScriptTag({ content: axeSource });
  const result = (await page.evaluate(
    `axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa'] })`,
  )) as {
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
    passes: unknown[];
  };
  // A check that passed nothing did not look at the page.
  if (result.passes.length < 5)
    throw new Error(`axe checked almost nothing (${result.passes.length} passes)`);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    );
}

/** Two sizes × two seeds of a one-layer model: the whole pipeline in a few seconds on wasm. */
export const MICRO = {
  world: { people: 16, procedures: 2 },
  data: { vocabSize: 300, augmentation: 1 },
  model: { nLayer: 1, nEmbd: 32, nHead: 2, blockSize: 256 },
  pretrain: { steps: 6, batchSize: 2, warmupSteps: 0, lr: 0.01 },
  finetune: { epochs: 1, batchSize: 4 },
  eval: { prompts: 10, devPrompts: 0, dialoguePrompts: 0, maxNewTokens: 128 },
  sweep: {
    axes: [
      { path: 'finetune.examples', values: [4, 8] },
      { path: 'finetune.seed', values: [1, 2] },
    ],
  },
};

export function microHash(): string {
  const r = parseSpec(MICRO);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return `#s=${encodeSpec(r.value)}`;
}
