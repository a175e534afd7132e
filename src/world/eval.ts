// The evaluation set: prompts about HELD-OUT entities only (their facts exist only in pretraining).
import type { Spec } from '../spec';
import { Rng } from '../util/rng';
import { FRAMES } from './templates';
import { chanceOf } from './facts';
import type { World } from './generate';
import { GENERATORS, availableTypes, type Pool } from './tasks';
import { TASK_TYPES, type EvalItem, type TaskType } from './types';

export function heldOutPool(world: World): Pool {
  return {
    world,
    people: world.people.filter((p) => p.heldOut),
    procedures: world.procedures.filter((p) => p.heldOut),
    // Every phrasing, including those a low-diversity SFT set never used.
    phrasings: FRAMES.length,
  };
}

/**
 * Task types in turn (item i has type i mod k), so every type is covered — including those a narrow
 * SFT set lacks — and the n-prompt set is the first n of a larger one. A prompt already used in
 * this or an earlier set is redrawn (up to 50 times; tiny worlds may run out of distinct prompts).
 */
function draw(
  rng: Rng,
  pool: Pool,
  types: readonly TaskType[],
  n: number,
  prefix: string,
  seen: Set<string>,
): EvalItem[] {
  const out: EvalItem[] = [];
  for (let i = 0; i < n; i++) {
    const task = types[i % types.length];
    let item = GENERATORS[task](rng, pool);
    for (let tries = 0; seen.has(item.turns.join('\n')) && tries < 50; tries++)
      item = GENERATORS[task](rng, pool);
    seen.add(item.turns.join('\n'));
    out.push({
      id: `${prefix}-${String(i).padStart(4, '0')}`,
      task,
      turns: item.turns,
      truth: item.truth,
      chance: chanceOf(pool.world, item.truth),
    });
  }
  return out;
}

/** Test (spec.eval.prompts), dev (checkpoint choice) and multi-turn dialogue prompts. Independent of the SFT knobs. */
export function evalSet(
  world: World,
  spec: Spec,
): { test: EvalItem[]; dev: EvalItem[]; dialogue: EvalItem[] } {
  const pool = heldOutPool(world);
  const types = availableTypes(pool, TASK_TYPES);
  const seen = new Set<string>();
  const test = draw(
    Rng.derive(spec.seed, 'eval', 'test'),
    pool,
    types,
    spec.eval.prompts,
    'test',
    seen,
  );
  const dev = draw(
    Rng.derive(spec.seed, 'eval', 'dev'),
    pool,
    types,
    spec.eval.devPrompts,
    'dev',
    seen,
  );
  const dialogue = draw(
    Rng.derive(spec.seed, 'eval', 'dialogue'),
    pool,
    ['dialogue'],
    spec.eval.dialoguePrompts,
    'dialogue',
    seen,
  );
  return { test, dev, dialogue };
}
