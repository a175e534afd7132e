// Shared types of the miniature world: task types, conversations, evaluation items and judge verdicts.

/** Task types of prompts, in SFT data and in evaluation. */
export const TASK_TYPES = ['fact', 'profile', 'compare', 'howto', 'verify', 'dialogue'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** One chat: alternating user and assistant turns, user first (LIMA's `conversations`). */
export interface Conversation {
  turns: string[];
  task: TaskType;
  /** Where it came from: 'world' (generated) or an import's name. */
  source: string;
  /** The flaw deliberately put into a response of the unfiltered set, if any. */
  flaw?: 'wrong-fact' | 'off-format' | 'rambling' | 'truncated' | 'unhelpful';
}

/** A test prompt with everything the judge needs to know. */
export interface EvalItem {
  id: string;
  task: TaskType;
  /** User turns so far and earlier assistant turns (reference answers); the model answers the last user turn. */
  turns: string[];
  /** Ground truth for the judge: the facts a complete answer must state, and the expected format. */
  truth: {
    facts: { key: string; value: string }[];
    /** Entity names that belong in the answer; another person's name signals a confusion. */
    entities: string[];
    format: 'sentence' | 'profile' | 'steps' | 'yesno' | 'compare';
    /** For how-to: the ordered steps. For yes/no: 'yes' or 'no'. */
    steps?: string[];
    answer?: 'yes' | 'no';
    /** The answer in the house style that SFT teaches (shown beside a sample; sets the expected length). */
    reference: string;
    /** Values of the asked kinds that would be wrong here (other cities, universities, …): stating one is an error. */
    wrong: string[];
  };
  /** Chance of stating the asked facts by answering about a random entity (see `chanceOf`). */
  chance: number;
}

export type Score = 1 | 2 | 3 | 4 | 5 | 6;

export interface Verdict {
  score: Score;
  /** A short reason naming what was right or wrong. */
  reason: string;
}

/**
 * Appended by `cleanResponse` to a response that hit the token limit without a stop token, so the
 * judge (which sees only text) can score "never stops".
 */
export const NO_STOP = '<|no-stop|>';
