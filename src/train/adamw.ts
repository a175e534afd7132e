// AdamW with decoupled weight decay (Loshchilov & Hutter) and global-norm gradient clipping.
import * as tf from '@tensorflow/tfjs-core';
import { fusedPays } from '../model/ops';
import { adamwStepFused } from './adamw-webgpu';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip gradients to this global norm; 0 turns clipping off. */
  gradClip: number;
}

/** A trainable-off zero variable shaped like x (its initial tensor is freed at once). */
function zeroVariable(x: tf.Tensor): tf.Variable {
  const z = tf.zerosLike(x);
  const v = tf.variable(z, false);
  z.dispose();
  return v;
}

/** First and second moments per variable, plus the step count (bias correction needs it). */
export class AdamW {
  readonly m: tf.Variable[];
  readonly v: tf.Variable[];
  step = 0;

  constructor(
    readonly vars: tf.Variable[],
    public cfg: AdamWConfig,
  ) {
    this.m = vars.map(zeroVariable);
    this.v = vars.map(zeroVariable);
  }

  /**
   * One update with learning rate lr. Returns the global gradient norm (before clipping) as a
   * scalar tensor the caller owns, so reading it can wait for the step's one sync point.
   * Decay applies to matrices only: norm gains stay at their scale (as in GPT-2 and LLaMA).
   */
  apply(grads: tf.Tensor[], lr: number): tf.Scalar {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay, gradClip } = this.cfg;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    if (fusedPays())
      return adamwStepFused(
        { vars: this.vars, m: this.m, v: this.v, cfg: this.cfg, bc1, bc2 },
        grads,
        lr,
      );
    return tf.tidy(() => {
      // A chain of adds, not tf.addN: tfjs-webgpu's AddN returns wrong sums for many inputs.
      const sumSq = grads.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b));
      const norm = tf.sqrt(sumSq) as tf.Scalar;
      const scale =
        gradClip > 0 ? tf.minimum(1, tf.div(gradClip, tf.add(norm, 1e-6))) : tf.scalar(1);
      for (let i = 0; i < this.vars.length; i++) {
        const g = tf.mul(grads[i], scale);
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
        const p = this.vars[i];
        const decay = p.rank >= 2 && weightDecay > 0 ? tf.mul(p, weightDecay) : null;
        p.assign(tf.sub(p, tf.mul(decay ? tf.add(update, decay) : update, lr)));
      }
      return tf.keep(norm);
    });
  }

  /** Moments as plain arrays, in the order of `vars` (for checkpoints). */
  async moments(): Promise<{ m: Float32Array[]; v: Float32Array[] }> {
    const read = (xs: tf.Variable[]) =>
      Promise.all(xs.map(async (x) => (await x.data()) as Float32Array));
    return { m: await read(this.m), v: await read(this.v) };
  }

  /** Restores a checkpoint's moments and step count (a resumed run continues bit for bit). */
  load(step: number, m: Float32Array[], v: Float32Array[]): void {
    this.step = step;
    tf.tidy(() =>
      this.vars.forEach((x, i) => {
        this.m[i].assign(tf.tensor(m[i], x.shape));
        this.v[i].assign(tf.tensor(v[i], x.shape));
      }),
    );
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
