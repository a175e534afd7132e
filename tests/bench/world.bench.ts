// Benchmark: building the default toy experiment's data (world, corpus, tokenizer, encoded corpus); target < 2 s.
import { bench, describe } from 'vitest';
import { defaultSpec } from '../../src/spec';
import { buildWorld, evalSet, pretrainCorpus, sftSet } from '../../src/world';
import { Tokenizer } from '../../src/data/tokenizer';
import { encodeChat } from '../../src/data/chat';
import { packBlocks } from '../../src/data/batches';

const spec = defaultSpec();
const world = buildWorld(spec);
const corpus = pretrainCorpus(world, spec);
const tok = Tokenizer.train(corpus, spec.data.vocabSize);

describe('default toy experiment data', () => {
  // The number that matters: everything a worker builds before pretraining can start.
  bench(
    'world + corpus + tokenizer + packed corpus (target < 2 s)',
    () => {
      const w = buildWorld(spec);
      const docs = pretrainCorpus(w, spec);
      const t = Tokenizer.train(docs, spec.data.vocabSize);
      packBlocks(
        docs.map((d) => t.encode(d)),
        128,
        t.special.bos,
      );
    },
    { iterations: 5, warmupIterations: 1 },
  );
  bench('buildWorld', () => void buildWorld(spec), { iterations: 10 });
  bench('pretrainCorpus', () => void pretrainCorpus(world, spec), { iterations: 10 });
  bench('Tokenizer.train', () => void Tokenizer.train(corpus, spec.data.vocabSize), {
    iterations: 5,
  });
  bench('encode corpus', () => void corpus.map((d) => tok.encode(d)), { iterations: 5 });
  bench(
    'SFT set (64) + eval sets (300 + 50 + 30), encoded',
    () => {
      for (const c of sftSet(world, spec)) encodeChat(c, tok, 128, 'assistant', spec.data.template);
      evalSet(world, spec);
    },
    { iterations: 10 },
  );
});
