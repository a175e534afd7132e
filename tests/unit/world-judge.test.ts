// The judge, pinned level by level with hand-written responses, plus preference and score summaries.
import { describe, expect, it } from 'vitest';
import { judge, preference, summarize, NO_STOP, type EvalItem } from '../../src/world';
import { statesFacts } from '../../src/world/judge';
import { chanceOf } from '../../src/world/facts';
import { buildWorld } from '../../src/world/generate';
import { evalSet } from '../../src/world/eval';
import { summarizeFacts } from '../../src/world/stats';
import { specWith } from './world-helpers';
import { tQuantile975 } from '../../src/world/stats';

const fact: EvalItem = {
  id: 'f',
  task: 'fact',
  turns: ['Where was Kima Dorsel born?'],
  truth: {
    facts: [{ key: 'birthCity', value: 'Tarsby' }],
    entities: ['Kima Dorsel'],
    format: 'sentence',
    reference: 'Kima Dorsel was born in Tarsby.',
    // Other cities; Kima's own work city (Olbury) is true of her, so it is not listed.
    wrong: ['Velmora', 'Nomiford'],
  },
  chance: 0.1,
};

const profile: EvalItem = {
  id: 'p',
  task: 'profile',
  turns: ['Tell me about Kima Dorsel.'],
  truth: {
    facts: [
      { key: 'birthDate', value: '3 March 1985' },
      { key: 'birthCity', value: 'Tarsby' },
      { key: 'university', value: 'Velmora University' },
      { key: 'major', value: 'biology' },
      { key: 'employer', value: 'Tarnex Labs' },
      { key: 'employerCity', value: 'Olbury' },
    ],
    entities: ['Kima Dorsel'],
    format: 'profile',
    reference:
      'Kima Dorsel was born on 3 March 1985 in Tarsby. She studied biology at Velmora University. She works for Tarnex Labs in Olbury.',
    wrong: ['Nomiford', 'Zava University', 'history', 'Bosha Foods'],
  },
  chance: 0.1,
};

const howto: EvalItem = {
  id: 'h',
  task: 'howto',
  turns: ['How do I polish a brass morvel?'],
  truth: {
    facts: [],
    entities: [],
    format: 'steps',
    steps: [
      'Rinse the morvel in cold water',
      'Dry the morvel with a linen cloth',
      'Wrap the morvel in felt',
    ],
    reference:
      '1. Rinse the morvel in cold water.\n2. Dry the morvel with a linen cloth.\n3. Wrap the morvel in felt.',
    wrong: [],
  },
  chance: 0.1,
};
howto.truth.facts = howto.truth.steps!.map((s, i) => ({ key: `step${i + 1}`, value: s }));

const verifyNo: EvalItem = {
  id: 'v',
  task: 'verify',
  turns: ['Was Kima Dorsel born in Velmora?'],
  truth: {
    facts: [{ key: 'birthCity', value: 'Tarsby' }],
    entities: ['Kima Dorsel'],
    format: 'yesno',
    answer: 'no',
    reference: 'No, Kima Dorsel was born in Tarsby.',
    wrong: ['Nomiford'],
  },
  chance: 0.1,
};

const compare: EvalItem = {
  id: 'c',
  task: 'compare',
  turns: ['Did Kima Dorsel and Velo Marnik study at the same university?'],
  truth: {
    facts: [
      { key: 'university:A', value: 'Velmora University' },
      { key: 'university:B', value: 'Zava University' },
    ],
    entities: ['Kima Dorsel', 'Velo Marnik'],
    format: 'compare',
    answer: 'no',
    reference:
      'No, Kima Dorsel studied at Velmora University, while Velo Marnik studied at Zava University.',
    wrong: ['Shomu University'],
  },
  chance: 0.1,
};

const score = (item: EvalItem, response: string) => judge(item, response).score;

describe('judge: score levels', () => {
  it('6: every fact right, expected format, names the subject, clean stop', () => {
    for (const item of [fact, profile, howto, verifyNo, compare]) {
      const v = judge(item, item.truth.reference);
      expect(v.score).toBe(6);
      expect(v.reason).toMatch(/right/);
    }
    expect(score(fact, '  Kima Dorsel was born in Tarsby!  ')).toBe(6);
  });

  it('5: right fact in the wrong format', () => {
    expect(judge(fact, '- Kima Dorsel: Tarsby.').reason).toMatch(/list/);
    expect(score(fact, '- Kima Dorsel: Tarsby.')).toBe(5);
    expect(score(verifyNo, 'Kima Dorsel was born in Tarsby.')).toBe(5); // no yes or no
    expect(
      score(
        howto,
        'Rinse the morvel in cold water. Then dry the morvel with a linen cloth. Finally, wrap the morvel in felt.',
      ),
    ).toBe(5);
    expect(
      score(compare, '- Kima Dorsel: Velmora University.\n- Velo Marnik: Zava University.'),
    ).toBe(4); // a list and no conclusion
  });

  it('5: right fact with extra chatter', () => {
    const v = judge(fact, 'What a great question! Kima Dorsel was born in Tarsby.');
    expect(v).toMatchObject({ score: 5 });
    expect(v.reason).toMatch(/chatter|unrequested/);
    expect(score(fact, 'Kima Dorsel was born in Tarsby. She works in Olbury.')).toBe(5); // true but unasked
    expect(score(howto, `${howto.truth.reference}\nI hope this helps!`)).toBe(5);
  });

  it('5: correct but truncated at the end', () => {
    const v = judge(fact, 'Kima Dorsel was born in Tarsby, a town by the');
    expect(v).toMatchObject({ score: 5 });
    expect(v.reason).toMatch(/mid-sentence/);
  });

  it('4: two flaws of form, or at least half the facts and nothing wrong', () => {
    // A base model that answers with a whole biography rambles: the fact is there, the form is not.
    const bio =
      'Kima Dorsel was born in Tarsby. Kima Dorsel studied biology. Kima Dorsel works for Tarnex Labs. Kima Dorsel works in Olbury.';
    expect(judge(fact, bio)).toMatchObject({ score: 4, reason: expect.stringMatching(/rambles/) });
    expect(score(fact, 'Sure, I would be happy to help with that.\n- Kima Dorsel: Tarsby.')).toBe(
      4,
    );
    expect(score(fact, '- Birthplace: Tarsby')).toBe(3); // a list, unnamed subject, no final stop
    expect(
      score(
        profile,
        'Kima Dorsel was born on 3 March 1985 in Tarsby. She studied biology at Velmora University.',
      ),
    ).toBe(4);
    expect(
      score(howto, '1. Rinse the morvel in cold water.\n2. Dry the morvel with a linen cloth.'),
    ).toBe(4);
  });

  it('3: a partial answer that is also cut off, or a right fact next to a wrong one', () => {
    expect(
      score(
        profile,
        'Kima Dorsel was born on 3 March 1985 in Tarsby. She studied biology at Velmora',
      ),
    ).toBe(3);
    expect(score(fact, 'Kima Dorsel was born in Tarsby or in Velmora.')).toBe(3);
    expect(
      judge(
        howto,
        '1. Dry the morvel with a linen cloth.\n2. Rinse the morvel in cold water.\n3. Wrap the morvel in felt.',
      ).reason,
    ).toMatch(/order/);
    expect(
      score(
        howto,
        '1. Dry the morvel with a linen cloth.\n2. Rinse the morvel in cold water.\n3. Wrap the morvel in felt.',
      ),
    ).toBe(3);
    expect(
      score(
        compare,
        'Yes, Kima Dorsel studied at Velmora University, while Velo Marnik studied at Zava University.',
      ),
    ).toBe(3);
  });

  it('2: the fact of a different person, a wrong fact, a refusal', () => {
    const v = judge(fact, 'Kima Dorsel was born in Velmora.');
    expect(v).toMatchObject({ score: 2 });
    expect(v.reason).toMatch(/Velmora/);
    expect(score(fact, 'Velo Marnik was born in Nomiford.')).toBe(2);
    expect(
      score(
        profile,
        'Kima Dorsel was born on 9 May 1970 in Nomiford. She studied history at Zava University. She works for Bosha Foods in Nomiford.',
      ),
    ).toBe(2);
    expect(judge(fact, "I'm sorry, but I don't have any information about that.")).toMatchObject({
      score: 2,
      reason: expect.stringMatching(/unhelpful/),
    });
    expect(score(fact, 'That is hard to say.')).toBe(2);
    expect(score(verifyNo, 'Yes, Kima Dorsel was born in Velmora.')).toBe(2);
    expect(score(howto, '1. Fold the morvel twice.\n2. Shake the morvel well.')).toBe(2);
    expect(score(fact, 'Kima Dorsel works at a big company.')).toBe(2); // on topic, no asked fact
  });

  it('1: empty, gibberish, a loop, or never stops', () => {
    expect(judge(fact, '')).toMatchObject({ score: 1, reason: 'empty response' });
    expect(score(fact, '   \n ')).toBe(1);
    expect(judge(fact, 'zrk vlop qqum tarb ezzo brilk')).toMatchObject({
      score: 1,
      reason: expect.stringMatching(/gibberish/),
    });
    expect(score(fact, '.,;!? 123')).toBe(1);
    expect(
      judge(fact, `Kima Dorsel was born in Tarsby. Kima Dorsel studied ${NO_STOP}`),
    ).toMatchObject({ score: 1, reason: expect.stringMatching(/never stops/) });
    const loop = 'Kima Dorsel was born in Tarsby. '.repeat(3);
    expect(judge(fact, loop)).toMatchObject({ score: 1, reason: expect.stringMatching(/repeats/) });
    expect(
      score(howto, '1. Rinse the morvel in the morvel in the morvel in the morvel in the'),
    ).toBe(1);
  });

  it('is deterministic and explains itself briefly', () => {
    const r = 'Great question! Kima Dorsel was born in Velmora';
    expect(judge(fact, r)).toEqual(judge(fact, r));
    expect(judge(fact, r).reason.length).toBeLessThanOrEqual(160);
  });
});

describe('statesFacts: the facts-right metric', () => {
  it('counts an answer whatever its form, when every asked fact is stated', () => {
    expect(statesFacts(fact, 'Kima Dorsel was born in Tarsby.')).toBe(true);
    expect(
      statesFacts(fact, 'Great question! Kima Dorsel was born in Tarsby. Hope this helps!'),
    ).toBe(true);
    expect(statesFacts(fact, `Kima Dorsel was born in Tarsby and then ${NO_STOP}`)).toBe(true);
    expect(statesFacts(howto, howto.truth.reference)).toBe(true);
    expect(statesFacts(verifyNo, verifyNo.truth.reference)).toBe(true);
    expect(statesFacts(compare, compare.truth.reference)).toBe(true);
    expect(statesFacts(profile, profile.truth.reference)).toBe(true);
  });

  it('counts a fact only with the asked person named', () => {
    expect(statesFacts(fact, 'Tarsby.')).toBe(false);
    expect(statesFacts(fact, 'She was born in Tarsby.')).toBe(false);
    expect(statesFacts(fact, 'Velo Marnik was born in Tarsby.')).toBe(false);
    expect(
      statesFacts(
        compare,
        'No, Kima Dorsel studied at Velmora University, while he studied at Zava University.',
      ),
    ).toBe(false);
  });

  it('refuses a missing fact, a wrong value, a wrong yes/no or steps out of order', () => {
    expect(statesFacts(fact, 'Kima Dorsel was born in Velmora.')).toBe(false);
    expect(statesFacts(fact, 'Kima Dorsel was born in Tarsby or Velmora.')).toBe(false);
    expect(statesFacts(profile, 'Kima Dorsel was born on 3 March 1985 in Tarsby.')).toBe(false);
    expect(statesFacts(verifyNo, 'Yes, Kima Dorsel was born in Tarsby.')).toBe(false);
    expect(
      statesFacts(
        howto,
        '1. Dry the morvel with a linen cloth.\n2. Rinse the morvel in cold water.\n3. Wrap the morvel in felt.',
      ),
    ).toBe(false);
  });

  it('gives the share with an interval and the chance level of the same items', () => {
    const f = summarizeFacts([
      { factsRight: true, chance: 0.1 },
      { factsRight: false, chance: 0.2 },
      { factsRight: true, chance: 0.3 },
      { factsRight: true, chance: 0.2 },
    ])!;
    expect(f.right).toBeCloseTo(0.75);
    expect(f.chance).toBeCloseTo(0.2);
    expect(f.n).toBe(4);
    // Wilson's interval for 3 of 4: 30.1%–95.4%, so the half-width is 32.7 points.
    expect(f.ci95).toBeCloseTo(0.3266, 3);
    // At 0 of 20 the interval still has width (0–16.1%), where a t-interval would say ±0.
    const none = summarizeFacts(Array.from({ length: 20 }, () => ({ factsRight: false })))!;
    expect(none.ci95).toBeCloseTo(0.0806, 3);
    expect(summarizeFacts([{}])).toBeUndefined();
  });
});

describe('chanceOf', () => {
  const spec = specWith({ world: { people: 200, procedures: 10 } });
  const world = buildWorld(spec);

  it('is the share of people holding the asked value, and the product over facts', () => {
    const p = world.people[0];
    const share = world.people.filter((q) => q.birthCity === p.birthCity).length / 200;
    const single = { facts: [{ key: 'birthCity', value: p.birthCity }] } as EvalItem['truth'];
    expect(chanceOf(world, { ...single, format: 'sentence' })).toBeCloseTo(share);
    const q = world.people[1];
    const share2 = world.people.filter((x) => x.birthCity === q.birthCity).length / 200;
    const pair = {
      format: 'compare',
      facts: [
        { key: 'birthCity:A', value: p.birthCity },
        { key: 'birthCity:B', value: q.birthCity },
      ],
    } as EvalItem['truth'];
    expect(chanceOf(world, pair)).toBeCloseTo(share * share2);
  });

  it("puts the evaluation set's chance level well below one in ten", () => {
    const items = evalSet(world, spec).test;
    const mean = items.reduce((a, x) => a + x.chance, 0) / items.length;
    expect(mean).toBeGreaterThan(0.01);
    expect(mean).toBeLessThan(0.15);
    for (const it of items) expect(it.chance).toBeGreaterThan(0);
  });
});

describe('preference', () => {
  it('derives win / tie / loss from judge scores', () => {
    const six = judge(fact, fact.truth.reference);
    const two = judge(fact, 'Kima Dorsel was born in Velmora.');
    expect(preference(six, two)).toBe('win');
    expect(preference(two, six)).toBe('loss');
    expect(preference(two, judge(fact, 'That is hard to say.'))).toBe('tie');
  });
});

describe('summarize', () => {
  it('gives the mean, a t-based 95% interval and the share of 6s', () => {
    const s = summarize([6, 6, 5, 4]);
    expect(s.n).toBe(4);
    expect(s.mean).toBe(5.25);
    expect(s.excellent).toBe(0.5);
    // sd = sqrt(2.75 / 3); t(0.975, 3) = 3.1824
    expect(s.ci95).toBeCloseTo((3.1824 * Math.sqrt(2.75 / 3)) / 2, 4);
    expect(summarize([3, 3, 3]).ci95).toBe(0);
  });

  it('handles one score and none', () => {
    expect(summarize([5])).toMatchObject({ mean: 5, n: 1, excellent: 0 });
    expect(summarize([5]).ci95).toBeNaN();
    expect(summarize([]).n).toBe(0);
    expect(summarize([]).mean).toBeNaN();
  });

  it('uses Student t quantiles that approach the normal 1.96', () => {
    expect(tQuantile975(1)).toBeCloseTo(12.706, 3);
    expect(tQuantile975(30)).toBeCloseTo(2.0423, 4);
    expect(tQuantile975(40)).toBeCloseTo(2.0211, 3);
    expect(tQuantile975(100)).toBeCloseTo(1.984, 3);
    expect(tQuantile975(1e6)).toBeCloseTo(1.96, 3);
  });
});
