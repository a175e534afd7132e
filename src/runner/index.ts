// The runner's public surface: the contract, the page's runner, results files, link summaries and the plan.
export * from './types';
export { SweepRunner, getRunner, idleState, type RunnerOptions } from './runner';
export {
  parseResultsFile,
  mergeResultsFiles,
  resultsTable,
  resultsFileOf,
  formatTable,
} from './results';
export { factsNote, verdictOf, verdictText, type Outcome, type Verdict } from './verdict';
export { wilson } from '../world/stats';
export { summarizeForLink, decodeLinkSummary } from './link';
export {
  planSweep,
  examplesOf,
  shardRuns,
  parseShard,
  conditionOf,
  sweepIdOf,
  type SweepPlan,
} from './plan';
export { exportBase, BASES_DIR } from './shipped';
