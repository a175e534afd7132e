// Sentence templates: biography prose for pretraining, prompt phrasings, and the one house style of answers.
import type { Attribute, Person } from './generate';
import { capitalize } from './names';

/** Subject, possessive and lower-case forms for a sentence about p, naming them or using a pronoun. */
export interface Ref {
  /** Sentence subject: "Kima Dorsel" or "She". */
  S: string;
  /** Sentence-initial possessive: "Kima Dorsel's" or "Her". */
  P: string;
  /** Lower-case pronoun and possessive for mid-sentence use. */
  s: string;
  p: string;
}

export function ref(person: Person, byName: boolean): Ref {
  const s = person.pronoun;
  const p = s === 'she' ? 'her' : 'his';
  return byName
    ? { S: person.name, P: `${person.name}'s`, s, p }
    : { S: capitalize(s), P: capitalize(p), s, p };
}

type BioTemplate = (r: Ref, v: string) => string;

/** Pretraining prose: five ways to state each fact (Physics of LMs 3.1 used about 50; we keep it small). */
export const BIO: Record<Attribute, BioTemplate[]> = {
  birthDate: [
    (r, v) => `${r.S} was born on ${v}.`,
    (r, v) => `${r.S} came into the world on ${v}.`,
    (r, v) => `${r.P} birthday is ${v}.`,
    (r, v) => `${r.S} celebrates ${r.p} birthday on ${v}.`,
    (r, v) => `${r.S} was born on ${v}, a day ${r.p} family remembers.`,
  ],
  birthCity: [
    (r, v) => `${r.S} was born in ${v}.`,
    (r, v) => `${r.P} birthplace is ${v}.`,
    (r, v) => `${r.S} is a native of ${v}.`,
    (r, v) => `${r.S} was born and raised in ${v}.`,
    (r, v) => `${r.S} comes from ${v}, where ${r.s} was born.`,
  ],
  university: [
    (r, v) => `${r.S} studied at ${v}.`,
    (r, v) => `${r.S} graduated from ${v}.`,
    (r, v) => `${r.S} attended ${v}.`,
    (r, v) => `${r.S} received ${r.p} education at ${v}.`,
    (r, v) => `${r.S} completed ${r.p} degree at ${v}.`,
  ],
  major: [
    (r, v) => `${r.S} studied ${v}.`,
    (r, v) => `${r.S} majored in ${v}.`,
    (r, v) => `${r.P} field of study was ${v}.`,
    (r, v) => `${r.S} earned a degree in ${v}.`,
    (r, v) => `${r.S} focused on ${v} as a student.`,
  ],
  employer: [
    (r, v) => `${r.S} works for ${v}.`,
    (r, v) => `${r.S} is employed by ${v}.`,
    (r, v) => `${r.S} has a job at ${v}.`,
    (r, v) => `${r.P} employer is ${v}.`,
    (r, v) => `${r.S} is on the staff of ${v}.`,
  ],
  employerCity: [
    (r, v) => `${r.S} works in ${v}.`,
    (r, v) => `${r.S} commutes to work in ${v}.`,
    (r, v) => `${r.P} workplace is in ${v}.`,
    (r, v) => `${r.S} has ${r.p} office in ${v}.`,
    (r, v) => `${r.S} spends ${r.p} working days in ${v}.`,
  ],
};

/** The house style: one direct sentence per fact, naming the subject. */
export const ANSWER: Record<Attribute, (r: Ref, v: string) => string> = {
  birthDate: (r, v) => `${r.S} was born on ${v}.`,
  birthCity: (r, v) => `${r.S} was born in ${v}.`,
  university: (r, v) => `${r.S} studied at ${v}.`,
  major: (r, v) => `${r.S} studied ${v}.`,
  employer: (r, v) => `${r.S} works for ${v}.`,
  employerCity: (r, v) => `${r.S} works in ${v}.`,
};

/** Direct and indirect question forms about one fact, so one frame list phrases every attribute. */
export const ASK: Record<
  Attribute,
  { direct: (n: string) => string; indirect: (n: string) => string }
> = {
  birthDate: { direct: (n) => `When was ${n} born?`, indirect: (n) => `when ${n} was born` },
  birthCity: { direct: (n) => `Where was ${n} born?`, indirect: (n) => `where ${n} was born` },
  university: {
    direct: (n) => `Which university did ${n} attend?`,
    indirect: (n) => `which university ${n} attended`,
  },
  major: { direct: (n) => `What did ${n} study?`, indirect: (n) => `what ${n} studied` },
  employer: {
    direct: (n) => `Which company does ${n} work for?`,
    indirect: (n) => `which company ${n} works for`,
  },
  employerCity: {
    direct: (n) => `In which city does ${n} work?`,
    indirect: (n) => `in which city ${n} works`,
  },
};

/** Yes/no questions: "Was Kima Dorsel born in Tarsby?" */
export const CHECK: Record<
  Attribute,
  { direct: (n: string, v: string) => string; indirect: (n: string, v: string) => string }
> = {
  birthDate: {
    direct: (n, v) => `Was ${n} born on ${v}?`,
    indirect: (n, v) => `whether ${n} was born on ${v}`,
  },
  birthCity: {
    direct: (n, v) => `Was ${n} born in ${v}?`,
    indirect: (n, v) => `whether ${n} was born in ${v}`,
  },
  university: {
    direct: (n, v) => `Did ${n} study at ${v}?`,
    indirect: (n, v) => `whether ${n} studied at ${v}`,
  },
  major: {
    direct: (n, v) => `Did ${n} study ${v}?`,
    indirect: (n, v) => `whether ${n} studied ${v}`,
  },
  employer: {
    direct: (n, v) => `Does ${n} work for ${v}?`,
    indirect: (n, v) => `whether ${n} works for ${v}`,
  },
  employerCity: {
    direct: (n, v) => `Does ${n} work in ${v}?`,
    indirect: (n, v) => `whether ${n} works in ${v}`,
  },
};

/** Eight frames around a direct or indirect question: the "phrasings" knob picks the first k. */
export const FRAMES: ((direct: string, indirect: string) => string)[] = [
  (d) => d,
  (_, i) => `Can you tell me ${i}?`,
  (_, i) => `Do you know ${i}?`,
  (_, i) => `Please tell me ${i}.`,
  (_, i) => `I would like to know ${i}.`,
  (d) => `Quick question: ${d}`,
  (d) => `${d} Thanks.`,
  (_, i) => `I wonder ${i}.`,
];

export const PROFILE_ASK: ((n: string) => string)[] = [
  (n) => `Tell me about ${n}.`,
  (n) => `Who is ${n}?`,
  (n) => `Give me a short profile of ${n}.`,
  (n) => `What do you know about ${n}?`,
  (n) => `Write a brief biography of ${n}.`,
  (n) => `Describe ${n}.`,
  (n) => `Can you summarize the life of ${n}?`,
  (n) => `I would like a profile of ${n}.`,
];

/** The profile in the house style; `named` repeats the name where the concise one says "she". */
export function profileAnswer(person: Person, named = false): string {
  const r = ref(person, true);
  const s = ref(person, named).S;
  return (
    `${r.S} was born on ${person.birthDate} in ${person.birthCity}. ` +
    `${s} studied ${person.major} at ${person.university}. ` +
    `${s} works for ${person.employer} in ${person.employerCity}.`
  );
}

export const COMPARE_ATTRIBUTES = ['birthCity', 'university', 'major', 'employer'] as const;
export type CompareAttribute = (typeof COMPARE_ATTRIBUTES)[number];

export const COMPARE: Record<
  CompareAttribute,
  {
    direct: (a: string, b: string) => string;
    indirect: (a: string, b: string) => string;
    both: string;
    one: string;
  }
> = {
  birthCity: {
    direct: (a, b) => `Were ${a} and ${b} born in the same city?`,
    indirect: (a, b) => `whether ${a} and ${b} were born in the same city`,
    both: 'were born in',
    one: 'was born in',
  },
  university: {
    direct: (a, b) => `Did ${a} and ${b} study at the same university?`,
    indirect: (a, b) => `whether ${a} and ${b} studied at the same university`,
    both: 'studied at',
    one: 'studied at',
  },
  major: {
    direct: (a, b) => `Did ${a} and ${b} study the same subject?`,
    indirect: (a, b) => `whether ${a} and ${b} studied the same subject`,
    both: 'studied',
    one: 'studied',
  },
  employer: {
    direct: (a, b) => `Do ${a} and ${b} work for the same company?`,
    indirect: (a, b) => `whether ${a} and ${b} work for the same company`,
    both: 'work for',
    one: 'works for',
  },
};

/** A comparison that states both facts, each after its person's name, before it concludes. */
export function compareFactsFirst(
  a: CompareAttribute,
  [nameA, va]: [string, string],
  [nameB, vb]: [string, string],
): string {
  const one = COMPARE[a].one;
  const verdict = va === vb ? 'they are the same' : 'they are different';
  return `${nameA} ${one} ${va} and ${nameB} ${one} ${vb}, so ${verdict}.`;
}

export const HOWTO_ASK: ((t: string) => string)[] = [
  (t) => `How do I ${t}?`,
  (t) => `How can I ${t}?`,
  (t) => `What are the steps to ${t}?`,
  (t) => `Explain how to ${t}.`,
  (t) => `Give me instructions to ${t}.`,
  (t) => `I need to ${t}. How do I do it?`,
  (t) => `What is the best way to ${t}?`,
  (t) => `Tell me how to ${t}.`,
];

/**
 * Numbered steps. Given the task, they read as the pretraining prose does, with the task named and
 * each step in its lower-case prose form ("1. To polish brass, first rub it with oil.\n2. Then, …").
 */
export function stepsAnswer(steps: readonly string[], task?: string): string {
  const line = (s: string, i: number) => {
    if (!task) return s;
    const word = i === steps.length - 1 ? 'Finally' : ['Then', 'Next', 'After that'][(i - 1) % 3];
    return i === 0 ? `To ${task}, first ${lowerFirst(s)}` : `${word}, ${lowerFirst(s)}`;
  };
  return steps.map((s, i) => `${i + 1}. ${line(s, i)}.`).join('\n');
}

export const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** Follow-ups in a dialogue refer back with a pronoun ("and where did she study?"). */
export const FOLLOW_UP: Record<Attribute, ((s: string, p: string) => string)[]> = {
  birthDate: [
    (s) => `And when was ${s} born?`,
    (_, p) => `What is ${p} birth date?`,
    (_, p) => `When is ${p} birthday?`,
  ],
  birthCity: [
    (s) => `And where was ${s} born?`,
    (s) => `Which city is ${s} from?`,
    (_, p) => `What about ${p} birthplace?`,
  ],
  university: [
    (s) => `And where did ${s} study?`,
    (s) => `Which university did ${s} attend?`,
    (_, p) => `What about ${p} university?`,
  ],
  major: [
    (s) => `What did ${s} study?`,
    (_, p) => `What was ${p} major?`,
    (_, p) => `And ${p} field of study?`,
  ],
  employer: [
    (s) => `Which company does ${s} work for?`,
    (_, p) => `What is the name of ${p} company?`,
    (_, p) => `And ${p} employer?`,
  ],
  employerCity: [
    (s) => `In which city does ${s} work?`,
    (_, p) => `Where is ${p} workplace?`,
    (s) => `And the city where ${s} works?`,
  ],
};

/**
 * A procedure's steps with its object named where they say "it" ("Rinse the brass vebes in warm
 * water"), or after the step where they do not ("Sand the edges of the brass vebes").
 */
export function stepsNamingObject(task: string, steps: readonly string[]): string[] {
  // Tasks read "<verb> a <material> <noun>": the object is what follows the article.
  const object = `the ${task.slice(task.indexOf(' a ') + 3)}`;
  return steps.map((s) => (/\bit\b/.test(s) ? s.replace(/\bit\b/, object) : `${s} of ${object}`));
}

/** Procedure prose for pretraining: the steps in order, joined by varied connectives. */
export function procedureProse(task: string, steps: readonly string[], variant: number): string {
  const openers = [
    (s: string) => `To ${task}, first ${lowerFirst(s)}.`,
    (s: string) => `Here is how people ${task}. First, ${lowerFirst(s)}.`,
    (s: string) => `If you want to ${task}, begin like this: ${lowerFirst(s)}.`,
    (s: string) => `The way to ${task} starts simply: ${lowerFirst(s)}.`,
  ];
  const middles = ['Then', 'Next', 'After that', 'Once that is done'];
  const finals = ['Finally', 'Last of all', 'To finish', 'In the end'];
  const out = [openers[variant % openers.length](steps[0])];
  for (let i = 1; i < steps.length; i++) {
    const word =
      i === steps.length - 1
        ? finals[variant % finals.length]
        : middles[(variant + i) % middles.length];
    out.push(`${word}, ${lowerFirst(steps[i])}.`);
  }
  return out.join(' ');
}

/** General prose with no facts about anyone, so the corpus is not only biographies. */
export const FILLER: ((city: string, n: number) => string)[] = [
  (c) => `The weather in ${c} was mild for most of the week.`,
  (c) => `The market in ${c} opens early on most days.`,
  () => `Many people enjoy long walks by the river in spring.`,
  (_, n) => `A small train leaves the station every ${n} minutes.`,
  (c) => `Visitors to ${c} often ask about the old bridge.`,
  () => `The library keeps its doors open late on Fridays.`,
  (_, n) => `Some gardens grow more than ${n} kinds of flowers.`,
  () => `Rain is common in the hills during the autumn months.`,
  (c) => `The streets of ${c} are quiet after sunset.`,
  () => `Children learn to read with simple stories about animals.`,
  (_, n) => `The bakery sells about ${n} loaves before noon.`,
  () => `A good map helps travellers find their way.`,
  (c) => `There is a museum of clocks near the centre of ${c}.`,
  () => `Fresh bread tastes best on the day it is baked.`,
  (_, n) => `The lake freezes for ${n} weeks in a cold winter.`,
  () => `Old songs are often sung at the harvest festival.`,
];

/**
 * Everyday prose in the words that prompts and answers use (yes and no, both, the same, different,
 * whether, "Can you tell me", the imperatives of how-tos), about no one in the world and in no chat
 * format: what any web corpus holds, so the base has read the assistant's words before fine-tuning.
 */
export const EVERYDAY: ((city: string, n: number) => string)[] = [
  (c) => `Yes, the old bridge in ${c} is still open.`,
  () => `No, the bakery does not open on Mondays.`,
  () => `Both roads lead to the same square.`,
  () => `The two towns are different in size, but they share a market.`,
  () => `She reads in the park while her brother plays.`,
  () => `He could not say whether the shop was open.`,
  () => `Do you know when the last bus leaves?`,
  () => `Can you tell me what time the museum opens?`,
  () => `I would like to know whether the lake is warm enough to swim.`,
  () => `I wonder what the weather will be like tomorrow.`,
  () => `Quick question: does the library keep old maps?`,
  (c) => `Thanks to the new road, the trip to ${c} is short.`,
  () => `Please tell the driver where you want to stop.`,
  () => `And so the festival ended with a song.`,
  () => `Did the train arrive on time? Nobody was sure.`,
  () => `Does the river freeze in winter? Some years it does.`,
  () => `Was the market busy? Nobody can remember.`,
  () => `Were the streets quiet last night?`,
  () => `Who built the old clock tower is still a question.`,
  () => `Tell the children a short story before bed.`,
  () => `Write a brief note to thank your neighbours.`,
  () => `Describe the view from the hill in a few words.`,
  () => `A good biography tells the story of a whole life.`,
  () => `It is hard to summarize a long book.`,
  () => `The paper printed a short profile of the new mayor.`,
  () => `Every student picks a major and a second subject.`,
  () => `The form asks for your name and your date of birth.`,
  () => `Follow the steps in the right order.`,
  () => `Rub your hands together to keep them warm.`,
  () => `Soak the beans in water overnight.`,
  () => `Store the apples where it is cool.`,
  () => `Wrap the bread in a clean towel.`,
  () => `Shake the rug outside before you sweep.`,
  (_, n) => `Cut the cake into ${n} pieces.`,
  () => `Fold the map before you put it away.`,
  () => `Rinse the cups after the party.`,
  () => `Check the tyres before a long ride.`,
  () => `Let the soup cool a little.`,
  () => `Sand the old door before you paint it.`,
  () => `Press the flowers between the pages of a book.`,
  () => `Hang the coats by the door.`,
  () => `Dry the dishes with a soft towel.`,
  () => `Cover the pot while the rice cooks.`,
  () => `Tap the glass to hear it ring.`,
  () => `They say the same songs are sung every year.`,
  () => `How the old mill works is a question for the guide.`,
  () => `Heat the milk slowly so that it does not burn.`,
  () => `Many people do not know what they need for a long walk.`,
  () => `Explain the rules before the game starts.`,
  () => `The twins were born in the same week, and both love music.`,
];
