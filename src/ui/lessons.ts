// The workshop: a guided sequence through LIMA's findings, each step an experiment to run and a question to discuss.
import { deepMerge } from '../util/paths';
import { parseSpec, presetById, type Spec, type SpecInput } from '../spec';

export interface Lesson {
  title: string;
  /** Two or three sentences: what this step shows and why it matters. */
  text: string;
  /** The preset the step runs, and what it changes on top of it. */
  preset: string;
  change?: SpecInput;
  question: string;
}

/** The plateau's 1× set: the smallest size its sweep fine-tunes on. */
function smallestPlateauSize(): number {
  const axis = presetById('plateau-toy')?.override.sweep?.axes?.find(
    (a) => a.path === 'finetune.examples',
  );
  const sizes = (axis?.values ?? []).filter((v): v is number => typeof v === 'number');
  if (sizes.length === 0) throw new Error('the plateau-toy preset has no finetune.examples axis');
  return Math.min(...sizes);
}

export const LESSONS: readonly Lesson[] = [
  {
    title: 'Stored is not yet extractable',
    text: 'The toy model, pretrained on one fixed biography per person or on several rewrites of each (Physics of LMs 3.1: rewrites make stored facts extractable), then fine-tuned the same way. Compare what each base knows with what its fine-tuned answers state.',
    preset: 'augmentation-toy',
    question:
      'Under the pretraining loss chart, the knowledge probe says how many held-out facts each base model completes from its own text. Both were fine-tuned the same way: does knowing more facts make the answers about them right? What would?',
  },
  {
    title: 'Fine-tuning on 1×',
    text: 'Now fine-tune on the smallest set only, with three seeds. Open the samples: does the model answer in the assistant format and stop at the end of its turn?',
    preset: 'plateau-toy',
    change: {
      finetune: { examples: smallestPlateauSize() },
      sweep: { axes: [{ path: 'finetune.seed', values: [1, 2, 3] }] },
    },
    question:
      'How few examples were needed to teach the format? Which facts are right, and where did they come from?',
  },
  {
    title: 'The plateau',
    text: 'Fine-tune on nested sets of 1×, 2×, 4×, 8× and 16× the examples. LIMA found that 16 times more filtered data did not raise quality (Fig. 6).',
    preset: 'plateau-toy',
    question: 'Where does the curve flatten? What would you spend the 16× budget on instead?',
  },
  {
    title: 'Quality',
    text: 'Same number of examples, all good or half of them flawed (wrong facts, off-format, rambling, truncated). LIMA: filtered 3.83 vs unfiltered 3.33 on 7B.',
    preset: 'quality-toy',
    question: 'Is the gap between filtered and unfiltered larger than the gain from 16× more data?',
  },
  {
    title: 'Diversity',
    text: 'Same number of examples, over every task type or over how-to prompts only — the wikiHow condition, which scored 3.49 against 3.83 for diverse Stack Exchange.',
    preset: 'diversity-toy',
    question: 'Which task types does the narrow model fail, and in what way? Look at the samples.',
  },
  {
    title: 'Dialogue',
    text: 'Add 30 multi-turn chains to the fine-tuning set and score the last turn of conversations. In LIMA excellent multi-turn responses rose from 45.2% to 76.1%.',
    preset: 'dialogue-toy',
    question: 'Why would so few dialogue examples change multi-turn behaviour so much?',
  },
  {
    title: 'Alignment in context',
    text: 'Skip fine-tuning: prompt the base model zero-shot, or with three example conversations (URIAL). If alignment is superficial, a few in-context examples should get most of the way.',
    preset: 'in-context-toy',
    question:
      'How much of the gap to fine-tuning do three examples close? What does that say about alignment?',
  },
  {
    // Last, so the numbers of the steps before it (in links shared earlier) keep their meaning.
    title: 'A base that knows its world',
    text: "The toy models above never state a held-out fact, so their plateaus sit on the format floor. This base (the small model, five rewrites of every biography, question-and-answer text about train-split people) states 90% of held-out facts when asked in plain text. Fine-tune it on just 8 single-turn conversations (plus the recipe's 120 multi-turn chains), all about train-split people: the judge asks only about held-out people, whose facts are in the pretraining prose alone.",
    preset: 'knowledge-toy',
    change: { finetune: { examples: 8 }, sweep: { axes: [] } },
    question:
      'Under the pretraining loss chart: how does the base answer in the chat template before any fine-tuning? After 8 examples, which held-out facts are right, and which answers name a person from the fine-tuning set instead?',
  },
];

/** The full, valid spec of a lesson step; throws on a broken lesson (a test checks every one). */
export function lessonSpec(lesson: Lesson): Spec {
  const preset = presetById(lesson.preset);
  if (!preset) throw new Error(`lesson "${lesson.title}" names an unknown preset ${lesson.preset}`);
  const r = parseSpec(deepMerge(preset.override, lesson.change ?? {}));
  if (!r.ok) throw new Error(`lesson "${lesson.title}" is invalid: ${r.errors.join('; ')}`);
  return r.value;
}
