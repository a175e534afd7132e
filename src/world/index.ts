// The miniature world's public face: generator, corpora, datasets, evaluation set and judge.
export {
  buildWorld,
  ATTRIBUTES,
  type Attribute,
  type Person,
  type Procedure,
  type World,
} from './generate';
export { pretrainCorpus } from './corpus';
export { sftSet, fewShotExamples } from './sft';
export { evalSet } from './eval';
export { judge, preference, RUBRIC } from './judge';
export { summarize } from './stats';
export * from './types';
