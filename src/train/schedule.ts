// Learning-rate schedules: warmup + cosine/linear decay for pretraining, LIMA's linear decay for fine-tuning.
import type { Spec } from '../spec';

/** lr at step (0-based) of total: linear warmup to peak, then decay to peak·minRatio. */
export function pretrainLr(p: Spec['pretrain'], step: number, total: number): number {
  const peak = p.lr;
  if (p.warmupSteps > 0 && step < p.warmupSteps) return (peak * (step + 1)) / p.warmupSteps;
  const span = Math.max(1, total - p.warmupSteps - 1);
  const progress = Math.min(1, Math.max(0, (step - p.warmupSteps) / span));
  const shape = p.schedule === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return peak * (p.minLrRatio + (1 - p.minLrRatio) * shape);
}

/** LIMA §3: no warmup, linear decay from lr to lr·lrEndRatio over the run (1e-5 → 1e-6). */
export function finetuneLr(f: Spec['finetune'], step: number, total: number): number {
  const progress = total > 1 ? Math.min(1, step / (total - 1)) : 0;
  return f.lr * (1 - (1 - f.lrEndRatio) * progress);
}

/** LIMA: residual dropout rising linearly over layers, 0 at the bottom to `max` at the top. */
export function layerDropout(nLayer: number, max: number): number[] {
  if (nLayer === 1) return [max];
  return Array.from({ length: nLayer }, (_, l) => (max * l) / (nLayer - 1));
}
