// Alignment (SFT) data: one house style about TRAIN entities only; nested sizes, optional flaws and dialogues.
import type { Spec } from '../spec';
import { Rng } from '../util/rng';
import { FLAWS, flawedResponse } from './flaws';
import type { World } from './generate';
import { GENERATORS, availableTypes, dialogueItem, type Pool, type TaskItem } from './tasks';
import type { Conversation, TaskType } from './types';

/** Single-turn task types of the mixed set; 'dialogue' chains come only from `data.dialogues`. */
export const SINGLE_TURN: readonly TaskType[] = ['fact', 'profile', 'compare', 'howto', 'verify'];

export function trainPool(world: World, phrasings: number): Pool {
  return {
    world,
    people: world.people.filter((p) => !p.heldOut),
    procedures: world.procedures.filter((p) => !p.heldOut),
    phrasings,
  };
}

function sftTypes(pool: Pool, tasks: Spec['data']['tasks']): TaskType[] {
  const types = availableTypes(pool, tasks === 'howto' ? ['howto'] : SINGLE_TURN);
  if (types.length === 0) {
    throw new Error(
      tasks === 'howto'
        ? 'data.tasks = howto needs at least one procedure in the training split (world.procedures ≥ 2)'
        : 'the training split has no entities to write examples about',
    );
  }
  return types;
}

/**
 * The example as the house style writes it: a concise item as generated, an explicit one with its
 * facts after the names where that form differs, a named one also with its person named in every
 * sentence of a profile. Drawn from the same stream, so all styles ask the same prompts about the
 * same people.
 */
function styled(item: TaskItem, style: Spec['data']['style']): TaskItem {
  const turns = (style === 'named' && item.named) || (style !== 'concise' && item.explicit);
  if (!turns) return item;
  return { ...item, truth: { ...item.truth, reference: turns[turns.length - 1] } };
}

/**
 * spec.finetune.examples examples, then spec.data.dialogues multi-turn chains. Example i is drawn
 * from one seeded stream that does not depend on the size, so the first n of a 2n set are the n set.
 * Whether example i is flawed comes from its own stream Rng.derive(seed, 'flaw', i): the unfiltered
 * set asks the same prompts as the filtered one, and a higher flawRate only adds flaws.
 */
export function sftSet(world: World, spec: Spec): Conversation[] {
  const { tasks, phrasings, quality, flawRate, dialogues, style, chainContext } = spec.data;
  const pool = trainPool(world, phrasings);
  const types = sftTypes(pool, tasks);
  const rng = Rng.derive(spec.seed, 'sft', tasks);
  const out: Conversation[] = [];
  for (let i = 0; i < spec.finetune.examples; i++) {
    const task = rng.pick(types);
    const item = styled(GENERATORS[task](rng, pool), style);
    const flawRng = Rng.derive(spec.seed, 'flaw', i);
    const u = flawRng.float();
    const flaw = flawRng.pick(FLAWS);
    if (quality === 'unfiltered' && u < flawRate) {
      out.push({
        turns: [...item.turns, flawedResponse(item, flaw, pool, flawRng)],
        task,
        source: 'world',
        flaw,
      });
    } else {
      out.push({ turns: [...item.turns, item.truth.reference], task, source: 'world' });
    }
  }
  const drng = Rng.derive(spec.seed, 'sft-dialogue');
  for (let i = 0; i < dialogues; i++) {
    const d = dialogueItem(drng, pool);
    const turns =
      style === 'concise'
        ? [...d.turns, d.answer]
        : chainContext === 'pronoun'
          ? [...d.turns, ...d.explicit.slice(-1)]
          : d.explicit;
    out.push({ turns, task: 'dialogue', source: 'world' });
  }
  return out;
}

/** Shortest task types first: a toy model's context holds only a few in-context examples. */
const SHOT_ORDER: readonly TaskType[] = ['fact', 'verify', 'compare', 'howto', 'profile'];

/** spec.finetune.fewShot good examples about train entities, for in-context (URIAL-style) alignment. */
export function fewShotExamples(world: World, spec: Spec): Conversation[] {
  const pool = trainPool(world, spec.data.phrasings);
  const allowed = sftTypes(pool, spec.data.tasks);
  const order = SHOT_ORDER.filter((t) => allowed.includes(t));
  const rng = Rng.derive(spec.seed, 'few-shot');
  return Array.from({ length: spec.finetune.fewShot }, (_, i) => {
    const task = order[i % order.length];
    const item = styled(GENERATORS[task](rng, pool), spec.data.style);
    return { turns: [...item.turns, item.truth.reference], task, source: 'world' };
  });
}
