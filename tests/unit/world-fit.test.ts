// Texts fit the toy model: every SFT example and every eval prompt with its reference answer fit 128 tokens.
import { describe, expect, it } from 'vitest';
import { buildWorld, evalSet, pretrainCorpus, sftSet } from '../../src/world';
import { Tokenizer } from '../../src/data/tokenizer';
import { encodeChat, encodePrompt } from '../../src/data/chat';
import { specWith } from './world-helpers';

describe('lengths for the default toy model (context 160, vocabulary 512)', () => {
  const spec = specWith({
    finetune: { examples: 2000 },
    data: { quality: 'unfiltered', dialogues: 100 },
  });
  const world = buildWorld(spec);
  const tok = Tokenizer.train(pretrainCorpus(world, spec), spec.data.vocabSize);

  it('never truncates a good SFT example, so every one ends with its EOT', () => {
    const set = sftSet(world, spec);
    const length = (c: (typeof set)[number]) =>
      encodeChat(c, tok, 10_000, 'assistant', spec.data.template).ids.length;
    const good = set.filter((c) => !c.flaw).map(length);
    expect(Math.max(...good)).toBeLessThanOrEqual(140);
    expect(good.reduce((a, b) => a + b, 0) / good.length).toBeLessThan(80);
    // A rambling profile may run past the context and be truncated, as LIMA truncates: rarely.
    const flawed = set.filter((c) => c.flaw).map(length);
    expect(flawed.filter((n) => n > 160).length / flawed.length).toBeLessThan(0.05);
  });

  it('leaves room for a complete answer to every eval prompt', () => {
    const { test, dev, dialogue } = evalSet(world, spec);
    for (const item of [...test, ...dev, ...dialogue]) {
      const prompt = encodePrompt(item.turns, tok, 'sft', [], spec.data.template).length;
      const answer = tok.encode(item.truth.reference).length + 1; // + EOT
      expect(prompt + answer).toBeLessThanOrEqual(150);
      if (item.task === 'profile' || item.task === 'howto') expect(answer).toBeLessThanOrEqual(100);
    }
  });
});
