// The pretraining corpus: every entity's facts in prose, the augmentation knob, filler, size and determinism.
import { describe, expect, it } from 'vitest';
import { buildWorld, pretrainCorpus, ATTRIBUTES } from '../../src/world';
import { qaDocuments, validationCorpus } from '../../src/world/corpus';
import { Rng } from '../../src/util/rng';
import { contentHash } from '../../src/util/hash';
import { ASK, BIO, EVERYDAY, FOLLOW_UP, FRAMES, ref } from '../../src/world/templates';
import { evalSet } from '../../src/world/eval';
import { sftSet } from '../../src/world/sft';
import { stageIds } from '../../src/spec/sweep';
import { factOf } from '../../src/world/generate';
import { Tokenizer } from '../../src/data/tokenizer';
import { specWith } from './world-helpers';

describe('pretrainCorpus', () => {
  const spec = specWith({
    world: { people: 60, procedures: 6 },
    data: { augmentation: 3, filler: 0, qa: 0 },
  });
  const world = buildWorld(spec);
  const corpus = pretrainCorpus(world, spec);

  it('states every fact of every person, held-out ones included, in each rewrite', () => {
    for (const p of world.people) {
      const bios = corpus.filter((d) => d.startsWith(p.name) || d.includes(` ${p.name} `));
      const own = bios.filter((d) => ATTRIBUTES.every((a) => d.includes(p[a])));
      expect(own.length).toBe(3);
    }
    expect(world.people.some((p) => p.heldOut)).toBe(true);
  });

  it('puts the full name in every sentence of an augmented biography, and shuffles the order', () => {
    const p = world.people[0];
    const bios = corpus.filter((d) => d.includes(p.name) && d.includes(p.birthDate));
    const orders = new Set<string>();
    for (const b of bios) {
      const sentences = b.split(/(?<=\.) /);
      expect(sentences).toHaveLength(6);
      for (const s of sentences) expect(s).toContain(p.name);
      orders.add(ATTRIBUTES.map((a) => b.indexOf(p[a])).join());
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('writes one fixed biography per person without augmentation: name first, then pronouns', () => {
    const s1 = specWith({
      world: { people: 60, procedures: 6 },
      data: { augmentation: 1, filler: 0, qa: 0 },
    });
    const c1 = pretrainCorpus(buildWorld(s1), s1);
    expect(c1).toHaveLength(66);
    const p = world.people[3];
    const bio = c1.find((d) => d.includes(p.birthDate))!;
    expect(bio.startsWith(p.name) || bio.startsWith(`${p.name}'s`)).toBe(true);
    expect(bio.split(p.name)).toHaveLength(2); // the name appears exactly once
    // Canonical order: birth date before birth city before university before employer.
    const pos = ATTRIBUTES.map((a) => bio.indexOf(p[a]));
    expect(pos.slice(0, 3)).toEqual([...pos.slice(0, 3)].sort((x, y) => x - y));
  });

  it('describes each procedure with its steps in order', () => {
    for (const proc of world.procedures) {
      const docs = corpus.filter((d) => d.includes(proc.task));
      expect(docs).toHaveLength(3);
      for (const d of docs) {
        const pos = proc.steps.map((s) => d.toLowerCase().indexOf(s.toLowerCase()));
        expect(pos.every((x) => x >= 0)).toBe(true);
        expect(pos).toEqual([...pos].sort((x, y) => x - y));
      }
    }
  });

  it("with stepNames object names the procedure's object in every step, and changes only the procedures", () => {
    const named = specWith({
      world: { people: 60, procedures: 6 },
      data: { augmentation: 3, filler: 0, qa: 1, qaFormat: 'sentence', stepNames: 'object' },
    });
    const plain = { ...named, data: { ...named.data, stepNames: 'pronoun' as const } };
    const [a, b] = [pretrainCorpus(world, named), pretrainCorpus(world, plain)];
    let prose = 0;
    for (const proc of world.procedures) {
      const object = proc.task.replace(/^\S+ a /, 'the ');
      for (const d of a.filter((x) => x.includes(proc.task))) {
        prose++;
        // The opening names the task; each step after it names the object, none says "it".
        const steps = d.split(/(?<=\.) /).filter((x) => !x.includes(proc.task));
        expect(steps.length).toBeGreaterThanOrEqual(proc.steps.length - 1);
        for (const s of steps) expect(s, d).toContain(object);
        expect(d).not.toMatch(/\bit\b/);
      }
    }
    // Every train procedure's Q&A answer too (held-out procedures have no Q&A).
    expect(prose).toBe(
      3 * world.procedures.length + world.procedures.filter((p) => !p.heldOut).length,
    );
    // Everything else is the same text, in the same order.
    const about = (d: string) => world.procedures.some((p) => d.includes(p.task));
    expect(a.filter((d) => !about(d))).toEqual(b.filter((d) => !about(d)));
    expect(a.length).toBe(b.length);
    // The knob gives the corpus a new stage id (the pinned ids test holds the default's).
    expect(stageIds(named).data).not.toBe(stageIds(plain).data);
  });

  it('adds filler prose to the requested share of characters', () => {
    const s = specWith({
      world: { people: 60, procedures: 6 },
      data: { augmentation: 3, filler: 0.3 },
    });
    const c = pretrainCorpus(buildWorld(s), s);
    const names = world.people.map((p) => p.name);
    const filler = c.filter(
      (d) => !names.some((n) => d.includes(n)) && !world.procedures.some((p) => d.includes(p.task)),
    );
    const share = filler.join('').length / c.join('').length;
    expect(share).toBeGreaterThan(0.28);
    expect(share).toBeLessThan(0.33);
  });

  it('with everyday filler has read every word that prompts and answers use, and names no one', () => {
    const data = { augmentation: 5, qa: 1, dialogues: 30, phrasings: 8 } as const;
    const town = specWith({ world: { people: 60, procedures: 6 }, data });
    const everyday = specWith({ ...town, data: { ...town.data, fillerText: 'everyday' } });
    const w = buildWorld(everyday);
    const wordsOf = (texts: string[]) => new Set(texts.join(' ').match(/[\p{L}']+/gu));
    const read = wordsOf(pretrainCorpus(w, everyday));
    const e = evalSet(w, everyday);
    const used = wordsOf([
      ...sftSet(w, everyday).flatMap((c) => c.turns),
      ...sftSet(
        w,
        specWith({ ...everyday, data: { ...everyday.data, style: 'explicit' } }),
      ).flatMap((c) => c.turns),
      ...[...e.test, ...e.dev, ...e.dialogue].flatMap((x) => [...x.turns, x.truth.reference]),
    ]);
    const unread = (r: Set<string>) => [...used].filter((x) => !r.has(x));
    expect(unread(read)).toEqual([]);
    // The town's filler leaves the assistant's words unread: "Yes", "both", "whether", …
    expect(unread(wordsOf(pretrainCorpus(w, town)))).toEqual(
      expect.arrayContaining(['Yes', 'No', 'both', 'same', 'whether']),
    );
    const everydayOnly = EVERYDAY.map((f) => f('Town', 7));
    for (const t of everydayOnly) {
      for (const p of w.people) expect(t).not.toContain(p.name.split(' ')[1]);
      expect(t).not.toMatch(/User:|Assistant:|<\|/);
    }
    expect(stageIds(town).data).toBe(stageIds(specWith({ ...town, data: { ...town.data } })).data);
    expect(stageIds(everyday).data).not.toBe(stageIds(town).data);
  });

  it('is byte-identical for the same seed and different for another', () => {
    expect(pretrainCorpus(buildWorld(spec), spec)).toEqual(corpus);
    const other = specWith({ ...spec, seed: spec.seed + 1 });
    expect(pretrainCorpus(buildWorld(other), other)).not.toEqual(corpus);
  });

  it('stays at a few hundred thousand tokens for the default world', () => {
    const d = specWith({});
    const c = pretrainCorpus(buildWorld(d), d);
    const tok = Tokenizer.train(c, d.data.vocabSize);
    const tokens = c.reduce((n, doc) => n + tok.encode(doc).length, 0);
    expect(tokens).toBeGreaterThan(100_000);
    expect(tokens).toBeLessThan(400_000);
  });
});

describe('tokenizer on the world corpus', () => {
  it('is byte-identical for the same seed and different for another', () => {
    const train = (seed: number) => {
      const s = specWith({ seed, world: { people: 100, procedures: 10 } });
      return Tokenizer.train(pretrainCorpus(buildWorld(s), s), 512).serialize();
    };
    const a = train(1);
    expect(train(1)).toEqual(a);
    expect(train(2)).not.toEqual(a);
  });
});

describe('validationCorpus', () => {
  it('restates training facts, mostly in text the training corpus does not contain', () => {
    const spec = specWith({ world: { people: 60, procedures: 6 }, data: { augmentation: 1 } });
    const world = buildWorld(spec);
    const train = new Set(pretrainCorpus(world, spec));
    const val = validationCorpus(world, spec);
    const bios = val.slice(0, 48);
    expect(bios).toHaveLength(48);
    for (const d of bios) {
      const p = world.people.find((x) => d.startsWith(x.name));
      expect(p, d).toBeDefined();
      for (const a of ATTRIBUTES) expect(d).toContain(p![a]);
    }
    const unseen = bios.filter((d) => !train.has(d)).length;
    expect(unseen / bios.length).toBeGreaterThan(0.9);
    expect(validationCorpus(world, spec)).toEqual(val); // seeded
  });
});

describe('question–answer text in pretraining', () => {
  const spec = specWith({ world: { people: 80, procedures: 8 }, data: { qa: 1, filler: 0 } });
  const world = buildWorld(spec);
  const heldOut = world.people.filter((p) => p.heldOut);
  const train = world.people.filter((p) => !p.heldOut);
  const docs = qaDocuments(world, spec, Rng.derive(1, 'qa'));
  const named = (d: string) => world.people.filter((p) => d.includes(p.name));

  it('asks about every train-split person and procedure, and never names a held-out person', () => {
    const people = docs.filter((d) => named(d).length > 0);
    expect(people).toHaveLength(train.length);
    for (const d of docs) for (const p of heldOut) expect(d).not.toContain(p.name);
    for (const proc of world.procedures.filter((x) => x.heldOut))
      for (const d of docs) expect(d).not.toContain(proc.task);
    // In the corpus too: every Q&A document is about train people only.
    const corpus = pretrainCorpus(world, spec).filter((d) => d.startsWith('Q: '));
    expect(corpus.length).toBe(docs.length);
  });

  it('is web text in plain form: no chat turns, the bare value as the answer', () => {
    const p = train.find((x) => docs.some((d) => d.includes(x.name)))!;
    const doc = docs.find((d) => d.includes(p.name))!;
    expect(doc).not.toMatch(/User:|Assistant:/);
    expect(doc).toContain(`\nA: ${p.birthCity}.`);
    expect(doc.split('\n').filter((l) => l.startsWith('Q: '))).toHaveLength(6);
  });

  it('in the sentence form answers each question with a biography sentence naming the asked person, in the same plain turns', () => {
    const sentence = specWith({
      world: { people: 80, procedures: 8 },
      data: { qa: 1, filler: 0, qaFormat: 'sentence' },
    });
    const sdocs = qaDocuments(world, sentence, Rng.derive(1, 'qa'));
    for (const d of sdocs) for (const p of heldOut) expect(d).not.toContain(p.name);
    const p = train[0];
    const doc = sdocs.find((d) => d.includes(p.name))!;
    expect(doc).not.toMatch(/User:|Assistant:/);
    const lines = doc.split('\n');
    const answers = lines.filter((l) => l.startsWith('A: '));
    expect(answers).toHaveLength(6);
    const forms = new Set<string>();
    for (const [i, l] of lines.entries()) {
      if (!l.startsWith('Q: ')) continue;
      const a = ATTRIBUTES.find((x) => l === `Q: ${ASK[x].direct(p.name)}`)!;
      const answer = lines[i + 1].slice(3);
      // One of the biographies' own sentences for the asked fact, with the full name.
      const bio = BIO[a].map((t) => t(ref(p, true), factOf(p, a)));
      expect(bio).toContain(answer);
      expect(answer).toContain(p.name);
      forms.add(answer);
    }
    expect(forms.size).toBe(6);
    // The plain and chat forms draw nothing extra: their text is exactly what it was before the
    // sentence form existed (hashes taken then), so no cached stage changes meaning.
    const hashOf = (qaFormat: 'plain' | 'chat') => {
      const s = specWith({
        world: { people: 80, procedures: 8 },
        data: { qa: 1, filler: 0, qaFormat },
      });
      return contentHash(qaDocuments(buildWorld(s), s, Rng.derive(1, 'qa')));
    };
    expect(hashOf('plain')).toBe('c23fe6e754864341');
    expect(hashOf('chat')).toBe('c676b8decfbcb2d9');
  });

  it('in the thread form names the person in the first question only, and every answer states the asked fact', () => {
    const s = specWith({
      world: { people: 80, procedures: 8 },
      data: { qa: 1, filler: 0, qaFormat: 'thread' },
    });
    const tdocs = qaDocuments(world, s, Rng.derive(1, 'qa'));
    for (const d of tdocs) for (const p of heldOut) expect(d).not.toContain(p.name);
    let pronounAnswers = 0;
    for (const p of train) {
      const doc = tdocs.find((d) => d.includes(p.name))!;
      expect(doc).not.toMatch(/User:|Assistant:/);
      const lines = doc.split('\n');
      expect(lines).toHaveLength(12);
      const pro = ref(p, false);
      for (let i = 0; i < 12; i += 2) {
        const [q, a] = [lines[i], lines[i + 1]];
        const attr = ATTRIBUTES.find((x) =>
          i === 0
            ? q === `Q: ${ASK[x].direct(p.name)}`
            : q === `Q: ${FOLLOW_UP[x][0](pro.s, pro.p)}`,
        )!;
        expect(attr, q).toBeDefined();
        if (i > 0) expect(q).not.toContain(p.first);
        // A biography sentence for the asked fact, naming the person or (after the first) "she"/"he".
        const forms = [ref(p, true), pro].flatMap((r) =>
          BIO[attr].map((t) => t(r, factOf(p, attr))),
        );
        expect(forms).toContain(a.slice(3));
        if (!a.includes(p.name)) pronounAnswers++;
      }
      expect(lines[1]).toContain(p.name);
    }
    // About half the later answers say "she"/"he", so the name is often two or more questions back.
    expect(pronounAnswers / (train.length * 5)).toBeGreaterThan(0.35);
    expect(pronounAnswers / (train.length * 5)).toBeLessThan(0.65);
    // The sentence form is what it was before the thread form existed (hash taken then).
    const sentence = specWith({ ...s, data: { ...s.data, qaFormat: 'sentence' } });
    expect(contentHash(qaDocuments(world, sentence, Rng.derive(1, 'qa')))).toBe('f8b89c4d441cceef');
    expect(stageIds(s).data).not.toBe(stageIds(sentence).data);
  });

  it('asks in the first qaPhrasings frames of the prompts, and 1 keeps the corpus and its stage id as they were', () => {
    const spec = (qaPhrasings: number) =>
      specWith({
        world: { people: 80, procedures: 8 },
        data: { qa: 1, filler: 0, qaFormat: 'plain', qaPhrasings },
      });
    const questions = (k: number) =>
      qaDocuments(world, spec(k), Rng.derive(1, 'qa'))
        .flatMap((d) => d.split('\n'))
        .filter((l) => l.startsWith('Q: '))
        .map((l) => l.slice(3));
    const p = train[0];
    const asked = (k: number) => {
      const forms = new Set<string>();
      for (const a of ATTRIBUTES)
        for (const f of FRAMES) forms.add(f(ASK[a].direct(p.name), ASK[a].indirect(p.name)));
      const firstK = new Set<string>();
      for (const a of ATTRIBUTES)
        for (const f of FRAMES.slice(0, k))
          firstK.add(f(ASK[a].direct(p.name), ASK[a].indirect(p.name)));
      const mine = questions(k).filter((q) => forms.has(q));
      expect(mine).toHaveLength(6);
      for (const q of mine) expect(firstK).toContain(q);
      return mine;
    };
    // Every person's six questions are each one of the first k frames; with 8, several frames show up.
    expect(asked(1).every((q) => q.endsWith('?'))).toBe(true);
    const all = questions(8);
    expect(new Set(all.map((q) => q.split(' ')[0])).size).toBeGreaterThan(3);
    asked(8);
    expect(contentHash(qaDocuments(world, spec(1), Rng.derive(1, 'qa')))).toBe('c23fe6e754864341');
    expect(stageIds(spec(1)).data).toBe(
      stageIds(specWith({ world: { people: 80, procedures: 8 }, data: { qa: 1, filler: 0 } })).data,
    );
    expect(stageIds(spec(8)).data).not.toBe(stageIds(spec(1)).data);
    for (const d of qaDocuments(world, spec(8), Rng.derive(1, 'qa')))
      for (const h of heldOut) expect(d).not.toContain(h.name);
  });

  it("in the chat form uses the template's turns and the house style, and shares follow the knob", () => {
    const chat = qaDocuments(
      world,
      specWith({ world: { people: 80, procedures: 8 }, data: { qa: 0.5, qaFormat: 'chat' } }),
      Rng.derive(1, 'qa'),
    );
    const people = chat.filter((d) => named(d).length > 0);
    expect(people).toHaveLength(Math.round(train.length / 2));
    expect(people[0]).toMatch(/^User: .*\nAssistant: \S/);
    expect(qaDocuments(world, specWith({ data: { qa: 0 } }), Rng.derive(1, 'qa'))).toEqual([]);
  });
});
