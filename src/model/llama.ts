// The LLaMA-style decoder in one file: RMSNorm, rotary embeddings, causal attention, SwiGLU, tied or untied head.
import * as tf from '@tensorflow/tfjs-core';
// The gradients of stock ops live apart from the ops in tfjs-core; training needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { ffnHidden, paramCount, resolveModel, type Spec } from '../spec';
import { Rng } from '../util/rng';
import { attentionDepthwise } from './attention-depthwise';
import {
  pickRows,
  depthwiseAttentionPays,
  embed,
  fusedPays,
  linear,
  matMul4,
  maskedCrossEntropy,
  takeRows,
} from './ops';
import { attentionFused } from './webgpu/attention';
import { maskedCrossEntropyFused } from './webgpu/loss';
import { rmsNormFused, rmsNormReference as rmsNorm } from './webgpu/norm';
import { ropeQkvFused, swigluFused } from './webgpu/pointwise';

export { options, maskedCrossEntropy, type Kernels } from './ops';

export interface ModelConfig {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  blockSize: number;
  vocabSize: number;
  /** SwiGLU hidden size, 8/3·d rounded (LLaMA). */
  ffnHidden: number;
  tiedEmbeddings: boolean;
}

export function modelConfig(spec: Pick<Spec, 'model' | 'data'>): ModelConfig {
  const m = resolveModel(spec);
  return { ...m, ffnHidden: ffnHidden(m.nEmbd) };
}

export function configParamCount(cfg: ModelConfig): number {
  return paramCount(cfg, cfg.vocabSize, cfg.tiedEmbeddings);
}

/**
 * Every weight, in a fixed order (checkpoints and the optimizer rely on it). q,k,v are stored
 * as one (C, 3C) matrix and the SwiGLU gate and up projections as one (C, 2H) matrix, which
 * keeps the parameter list (and the optimizer's ops per step) short.
 */
export function paramShapes(cfg: ModelConfig): [string, number[]][] {
  const { nEmbd: c, ffnHidden: h, vocabSize: v } = cfg;
  const out: [string, number[]][] = [['wte', [v, c]]];
  for (let l = 0; l < cfg.nLayer; l++) {
    out.push(
      [`h${l}.attnNorm`, [c]],
      [`h${l}.wqkv`, [c, 3 * c]],
      [`h${l}.wo`, [c, c]],
      [`h${l}.mlpNorm`, [c]],
      [`h${l}.w13`, [c, 2 * h]],
      [`h${l}.w2`, [h, c]],
    );
  }
  out.push(['normF', [c]]);
  if (!cfg.tiedEmbeddings) out.push(['lmHead', [c, v]]);
  return out;
}

/** The weights' names, in the fixed order of `paramShapes`. */
export function paramNames(cfg: ModelConfig): string[] {
  return paramShapes(cfg).map(([n]) => n);
}

/**
 * The weights a fine-tune updates (`finetune.train`): all of them; the attention blocks and norms
 * only ('attention': embeddings and SwiGLU MLPs stay as pretraining left them); or all but the MLPs.
 */
export function trainedParams(cfg: ModelConfig, which: Spec['finetune']['train']): string[] {
  const names = paramNames(cfg);
  const mlp = (n: string) => n.endsWith('.w13') || n.endsWith('.w2');
  const embedding = (n: string) => n === 'wte' || n === 'lmHead';
  if (which === 'attention') return names.filter((n) => !mlp(n) && !embedding(n));
  if (which === 'no-mlp') return names.filter((n) => !mlp(n));
  return names;
}

/**
 * Initial weights drawn in JS from the seeded stream, so every backend starts from the same
 * numbers: N(0, 0.02) (GPT-2/LLaMA), output projections of each residual branch scaled by
 * 1/sqrt(2·nLayer) so the residual stream's variance does not grow with depth; norm gains 1.
 */
export function initWeights(cfg: ModelConfig, seed: number): Map<string, Float32Array> {
  const rng = Rng.derive(seed, 'init');
  const out = new Map<string, Float32Array>();
  const residualStd = 0.02 / Math.sqrt(2 * cfg.nLayer);
  for (const [name, shape] of paramShapes(cfg)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(size);
    if (shape.length === 1) w.fill(1);
    else {
      const std = name.endsWith('.wo') || name.endsWith('.w2') ? residualStd : 0.02;
      for (let i = 0; i < size; i++) w[i] = rng.normal() * std;
    }
    out.set(name, w);
  }
  return out;
}

/** Tensors that are not trained: the rotary tables and the rotate-half matrix. */
export interface Constants {
  /** (blockSize, C): each position's rotation cosines and sines, repeated for every head. */
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  /**
   * (C, C), block-diagonal per head: x @ rotateHalf = [-x2, x1] within each head, so RoPE is
   * one plain 2-D matmul and two multiplies on (B·T, C) — no slices, no batched matmul.
   */
  rotateHalf: tf.Tensor2D;
}

export function makeConstants(cfg: ModelConfig, ropeBase = 10_000): Constants {
  const C = cfg.nEmbd;
  const hs = C / cfg.nHead;
  const half = hs / 2;
  const cos = new Float32Array(cfg.blockSize * C);
  const sin = new Float32Array(cfg.blockSize * C);
  for (let t = 0; t < cfg.blockSize; t++) {
    for (let h = 0; h < cfg.nHead; h++) {
      for (let i = 0; i < half; i++) {
        const angle = t / Math.pow(ropeBase, (2 * i) / hs);
        // The same angle drives dimension i and i + hs/2 (the rotate-half layout of LLaMA/HF).
        const at = t * C + h * hs + i;
        cos[at] = cos[at + half] = Math.cos(angle);
        sin[at] = sin[at + half] = Math.sin(angle);
      }
    }
  }
  const r = new Float32Array(C * C);
  for (let h = 0; h < cfg.nHead; h++) {
    const o = h * hs;
    for (let j = 0; j < half; j++) {
      r[(o + j + half) * C + o + j] = -1;
      r[(o + j) * C + o + j + half] = 1;
    }
  }
  return {
    cos: tf.tensor2d(cos, [cfg.blockSize, C]),
    sin: tf.tensor2d(sin, [cfg.blockSize, C]),
    rotateHalf: tf.tensor2d(r, [C, C]),
  };
}

export type Weights = Record<string, tf.Tensor>;

/** A model: its config, trainable variables and constants. Dispose when done. */
export class Llama {
  readonly params: Record<string, tf.Variable>;
  readonly consts: Constants;

  constructor(
    readonly cfg: ModelConfig,
    weights: Map<string, Float32Array>,
  ) {
    this.params = {};
    for (const [name, shape] of paramShapes(cfg)) {
      const w = weights.get(name);
      if (!w) throw new Error(`missing weight ${name}`);
      // tf.variable keeps its own handle on the data: the initial tensor must be freed.
      const t = tf.tensor(w, shape);
      this.params[name] = tf.variable(t, true);
      t.dispose();
    }
    this.consts = makeConstants(cfg);
  }

  private tables = new Map<string, [tf.Tensor2D, tf.Tensor2D]>();

  /** Rotary tables for B rows of positions 0..T-1, (B·T, C): built once per shape and kept. */
  ropeTables(B: number, T: number): [tf.Tensor2D, tf.Tensor2D] {
    const key = `${B}x${T}`;
    let t = this.tables.get(key);
    if (!t) {
      const C = this.cfg.nEmbd;
      const tile = (x: tf.Tensor2D) =>
        tf.keep(tf.tidy(() => tf.tile(tf.slice(x, [0, 0], [T, C]), [B, 1]))) as tf.Tensor2D;
      t = [tile(this.consts.cos), tile(this.consts.sin)];
      this.tables.set(key, t);
    }
    return t;
  }

  private splits = new Map<string, { dataId: tf.DataId; parts: tf.Tensor[] }>();

  /**
   * Weight `name` split into n column blocks, kept while the weight stays the same (no gradient:
   * for generation, whose every step would split it again). On tfjs-wasm a kept block is also a
   * matrix XNNPACK has already packed for its products.
   */
  splitOf(name: string, n: number): tf.Tensor[] {
    const w = this.params[name];
    let s = this.splits.get(name);
    if (!s || s.dataId !== w.dataId) {
      if (s) tf.dispose(s.parts);
      s = { dataId: w.dataId, parts: tf.tidy(() => tf.split(w, n, 1).map((t) => tf.keep(t))) };
      this.splits.set(name, s);
    }
    return s.parts;
  }

  /** Trainable variables in the fixed order of `paramShapes`, or those of the given names. */
  variables(names: readonly string[] = paramNames(this.cfg)): tf.Variable[] {
    return names.map((n) => this.params[n]);
  }

  /** The name of each of the given variables of this model (an optimizer's, for its checkpoint). */
  namesOf(vars: readonly tf.Variable[]): string[] {
    const byVar = new Map(Object.entries(this.params).map(([n, v]) => [v, n]));
    return vars.map((v) => byVar.get(v)!);
  }

  async readWeights(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [name] of paramShapes(this.cfg)) {
      out.set(name, (await this.params[name].data()) as Float32Array);
    }
    return out;
  }

  /** Overwrites every weight (e.g. with an earlier checkpoint's). */
  loadWeights(weights: Map<string, Float32Array>): void {
    tf.tidy(() => {
      for (const [name, shape] of paramShapes(this.cfg)) {
        this.params[name].assign(tf.tensor(weights.get(name)!, shape));
      }
    });
  }

  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
    tf.dispose([this.consts.cos, this.consts.sin, this.consts.rotateHalf]);
    for (const t of this.tables.values()) tf.dispose(t);
    this.tables.clear();
    for (const s of this.splits.values()) tf.dispose(s.parts);
    this.splits.clear();
  }
}

/** One layer's keys and values so far, (B, H, t, hs) each; generation appends to them. */
export interface LayerCache {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

export interface ForwardOptions {
  /**
   * Additive attention mask, broadcast to (B, H, t, tKeys): 0 where a query may look, a large
   * negative number where it may not. Training passes the causal (t, t) mask.
   */
  mask: tf.Tensor;
  /** Rotary tables for the new positions, (B, t, C): slices of Constants, or gathered per row. */
  cos: tf.Tensor;
  sin: tf.Tensor;
  /** Residual dropout rate per layer (training only), and the seed of its masks. */
  dropout?: { rates: number[]; seed: number };
  /**
   * Per-layer caches to extend (generation; null before the first call): replaced in place by
   * the longer ones, which are kept out of any tidy. The caller disposes the replaced ones.
   */
  cache?: (LayerCache | null)[];
  /**
   * (B·T) int32 example ids when `mask` is causal within each row's examples (training): the
   * fused WebGPU kernels, which build that mask in from these ids, may then take over.
   */
  segments?: tf.Tensor;
}

/** Inverted dropout: the expected activation stays the same. */
function residualDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  if (rate <= 0) return x;
  const keep = tf.step(tf.sub(tf.randomUniform(x.shape, 0, 1, 'float32', seed), rate));
  return tf.mul(x, tf.mul(keep, 1 / (1 - rate)));
}

/** Rotary embedding of x (B·T, C) with tables (B·T, C) or broadcastable (T, C) per row block. */
function rope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor, rotateHalf: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(x, cos), tf.mul(linear(x, rotateHalf), sin));
}

/**
 * The plain attention of layer l: softmax(QKᵀ/√hs + mask)·V on (B, H, T, ·) heads, extending the
 * layer's KV cache when there is one. q, k, v and the result are (B·T, C).
 */
export function attention(
  q0: tf.Tensor,
  k0: tf.Tensor,
  v0: tf.Tensor,
  l: number,
  opts: ForwardOptions,
  B: number,
  T: number,
  H: number,
): tf.Tensor {
  const C = q0.shape[1] as number;
  const hs = C / H;
  const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, hs]), [0, 2, 1, 3]); // (B, H, T, hs)
  const q = heads(q0);
  let k = heads(k0);
  let v = heads(v0);
  if (opts.cache) {
    const prev = opts.cache[l];
    if (prev) {
      k = tf.concat([prev.k, k], 2);
      v = tf.concat([prev.v, v], 2);
    }
    opts.cache[l] = { k: tf.keep(k) as tf.Tensor4D, v: tf.keep(v) as tf.Tensor4D };
  }
  const tKeys = k.shape[2] as number;
  const scores = tf.add(
    tf.mul(
      tf.reshape(matMul4(q, tf.transpose(k, [0, 1, 3, 2])), [B, H, T, tKeys]),
      1 / Math.sqrt(hs),
    ),
    opts.mask,
  ); // (B, H, T, tKeys)
  const y = matMul4(tf.softmax(scores), v); // (B, H, T, hs)
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]);
}

/**
 * Runs the decoder on ids (B, t) and returns the final hidden states (B·t, C), before the head.
 * With `opts.cache`, keys and values of earlier positions come from it and are extended.
 */
export function hidden(model: Llama, ids: tf.Tensor2D, opts: ForwardOptions): tf.Tensor2D {
  const { nLayer, nHead: H, vocabSize } = model.cfg;
  const [B, T] = ids.shape;
  const p = model.params;
  let x = embed(p.wte, tf.reshape(ids, [B * T]), vocabSize); // (B·T, C)
  const dropSeed = opts.dropout ? new Rng(opts.dropout.seed) : null;
  const fused = opts.segments !== undefined && !opts.cache && fusedPays();
  // Generation (a cache, no gradient) reuses the weights' blocks from one step to the next.
  const split = (name: string, n: number) =>
    opts.cache ? model.splitOf(name, n) : tf.split(p[name], n, 1);

  for (let l = 0; l < nLayer; l++) {
    const rate = opts.dropout?.rates[l] ?? 0;
    if (fused) {
      x = fusedLayer(model, l, x, opts, B, T, rate, dropSeed);
      continue;
    }
    // Attention: x + Wo · softmax(QKᵀ/√hs + mask) · V
    const h = rmsNorm(x, p[`h${l}.attnNorm`]);
    // Splitting the (C, 3C) weight, not the (B·T, 3C) product: tfjs-wasm's slice copies its
    // whole input per output, so splitting activations cost more than the matmuls it saved.
    const [q0, k0, v0] = split(`h${l}.wqkv`, 3).map((w) => linear(h, w));
    const q = rope(q0, opts.cos, opts.sin, model.consts.rotateHalf);
    const k = rope(k0, opts.cos, opts.sin, model.consts.rotateHalf);
    const merged =
      opts.cache || !depthwiseAttentionPays()
        ? attention(q, k, v0, l, opts, B, T, H)
        : attentionDepthwise(q, k, v0, opts.mask, B, T, H); // (B·T, C)
    const attnOut = linear(merged, p[`h${l}.wo`]);
    x = tf.add(x, residualDropout(attnOut, rate, dropSeed?.seed31() ?? 0));

    // SwiGLU MLP: x + W2 · (silu(x·W1) ⊙ x·W3)
    const h2 = rmsNorm(x, p[`h${l}.mlpNorm`]);
    const [gate, up] = split(`h${l}.w13`, 2).map((w) => linear(h2, w));
    const act = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up); // (B·T, H)
    const mlpOut = linear(act, p[`h${l}.w2`]);
    x = tf.add(x, residualDropout(mlpOut, rate, dropSeed?.seed31() ?? 0));
  }
  return (fused ? rmsNormFused(x, p.normF) : rmsNorm(x, p.normF)) as tf.Tensor2D; // (B·T, C)
}

/**
 * One layer on the fused WebGPU kernels: the same function as the stock ops above, but on the
 * unsplit q|k|v and gate|up products, so attention, RoPE and SwiGLU each read one buffer.
 */
function fusedLayer(
  model: Llama,
  l: number,
  x: tf.Tensor,
  opts: ForwardOptions,
  B: number,
  T: number,
  rate: number,
  dropSeed: Rng | null,
): tf.Tensor {
  const p = model.params;
  const { nHead: H, nEmbd: C } = model.cfg;
  const qkv = ropeQkvFused(
    linear(rmsNormFused(x, p[`h${l}.attnNorm`]), p[`h${l}.wqkv`]),
    opts.cos,
    opts.sin,
    C / H,
  ); // (B·T, 3C)
  const attnOut = linear(attentionFused(qkv, opts.segments!, B, T, H), p[`h${l}.wo`]);
  const x1 = tf.add(x, residualDropout(attnOut, rate, dropSeed?.seed31() ?? 0));
  const act = swigluFused(linear(rmsNormFused(x1, p[`h${l}.mlpNorm`]), p[`h${l}.w13`])); // (B·T, H)
  const mlpOut = linear(act, p[`h${l}.w2`]);
  return tf.add(x1, residualDropout(mlpOut, rate, dropSeed?.seed31() ?? 0));
}

/** Logits (N, V) of hidden states (N, C). */
export function head(model: Llama, x: tf.Tensor2D): tf.Tensor2D {
  const p = model.params;
  if (!model.cfg.tiedEmbeddings) return linear(x, p.lmHead);
  // On webgpu a transposed operand is a flag of the product, not a copy.
  if (fusedPays()) return tf.matMul(x, p.wte, false, true);
  return linear(x, tf.transpose(p.wte));
}

/** The (T, T) additive causal mask: position i sees positions ≤ i. */
export function causalMask(T: number): tf.Tensor2D {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
  return tf.tensor2d(m, [T, T]);
}

/**
 * The (B, 1, T, T) additive mask of packed rows: a position sees the positions ≤ it of its own
 * segment (example) only, so examples sharing a row never attend to each other.
 */
export function segmentMask(segments: Int32Array, B: number, T: number): tf.Tensor4D {
  const m = new Float32Array(B * T * T);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < T; i++) {
      const si = segments[b * T + i];
      for (let j = 0; j < T; j++) {
        if (j > i || segments[b * T + j] !== si) m[(b * T + i) * T + j] = -1e9;
      }
    }
  }
  return tf.tensor4d(m, [B, 1, T, T]);
}

/**
 * Training forward: ids and targets (B, T), weights (B, T) → mean loss over weighted targets.
 * `positions` (B·T), for packed rows, says where each token sits in its own sequence (RoPE);
 * without it every row starts at position 0. `segments` (B·T), for packed rows, are the example
 * ids behind `mask` (the fused WebGPU attention reads them instead of the mask). `scored`, the
 * positions whose weight is not 0 (ascending), lets the head and the loss skip the others.
 */
export function lossOf(
  model: Llama,
  ids: tf.Tensor2D,
  targets: tf.Tensor1D,
  weights: tf.Tensor1D,
  mask: tf.Tensor,
  dropout?: ForwardOptions['dropout'],
  positions?: tf.Tensor1D,
  segments?: tf.Tensor1D,
  scored?: Int32Array,
): tf.Scalar {
  const T = ids.shape[1];
  const [cos, sin] = positions
    ? [takeRows(model.consts.cos, positions), takeRows(model.consts.sin, positions)]
    : model.ropeTables(ids.shape[0], T); // (B·T, C)
  // The fused WebGPU kernels build the mask in from segment ids: one segment per row unless packed.
  const seg = fusedPays()
    ? (segments ?? tf.tensor1d(new Int32Array(ids.shape[0] * T), 'int32'))
    : undefined;
  const x = hidden(model, ids, { mask, cos, sin, dropout, segments: seg });
  if (scored) {
    const logits = head(model, pickRows(x, scored)); // (scored, V)
    return maskedCrossEntropy(logits, takeRows(targets, scored), takeRows(weights, scored));
  }
  const logits = head(model, x);
  return fusedPays()
    ? maskedCrossEntropyFused(logits, targets, weights)
    : maskedCrossEntropy(logits, targets, weights);
}
