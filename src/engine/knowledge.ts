// The knowledge probe: how many held-out people's facts the pretrained model completes from its own training text.
import type { Tokenizer } from '../data/tokenizer';
import { generate } from '../model/generate';
import type { Llama } from '../model/llama';
import { ATTRIBUTES, type World } from '../world';
import type { KnowledgeProbe } from './api';

/** People probed: enough for a steady share, cheap next to pretraining (6 facts each, one batch per person). */
const PEOPLE = 25;

/**
 * The prompts: for each held-out person (whose facts the judge asks about and fine-tuning never
 * shows), the first biography in the corpus that states all of their facts, cut just before each
 * fact. The cut drops the trailing space so the fact's first token keeps its leading space, as BPE
 * saw it in training.
 */
export function probePrompts(
  world: World,
  docs: readonly string[],
  people = PEOPLE,
): { prefix: string; fact: string }[] {
  const out: { prefix: string; fact: string }[] = [];
  for (const p of world.people.filter((x) => x.heldOut).slice(0, people)) {
    const doc = docs.find((d) => d.includes(p.name) && ATTRIBUTES.every((a) => d.includes(p[a])));
    if (!doc) continue;
    for (const a of ATTRIBUTES)
      out.push({ prefix: doc.slice(0, doc.indexOf(p[a])).trimEnd(), fact: p[a] });
  }
  return out;
}

/**
 * Greedy continuations of the probe prompts; a fact counts as recalled when the continuation
 * starts with it. This is recall of the training text's own wording, an upper bound on what a
 * question in other words can draw out (the judge's prompts are such questions).
 */
export async function knowledgeProbe(
  model: Llama,
  tok: Tokenizer,
  world: World,
  docs: readonly string[],
): Promise<KnowledgeProbe> {
  const probes = probePrompts(world, docs);
  if (probes.length === 0) return { recalled: 0, total: 0 };
  const longest = Math.max(...probes.map((p) => tok.encode(` ${p.fact}`).length));
  const gens = await generate(
    model,
    probes.map((p) => Int32Array.from([tok.special.bos, ...tok.encode(p.prefix)])),
    {
      temperature: 0,
      topP: 1,
      repetitionPenalty: 1,
      maxNewTokens: longest + 1,
      stopIds: [],
      seed: 0,
    },
  );
  const recalled = gens.filter((g, i) =>
    tok.decode(Array.from(g.ids)).trimStart().startsWith(probes[i]!.fact),
  ).length;
  return { recalled, total: probes.length };
}
