// Generation's key/value cache: its two layouts, the one-position attention step, and dropping rows.
import * as tf from '@tensorflow/tfjs-core';
import { depthwisePays } from './bmm';
import { options, takeRows } from './ops';

/**
 * One layer's keys and values so far. `heads`: (B, H, t, hs) each, as attention computes them.
 * `filter` (tfjs-wasm): k (hs, B·H, t) and v (t, B·H, hs), the filters of the depthwise product
 * (bmm.ts) as they are, so a decoding step appends its one new position instead of transposing
 * the whole cache three times (keys for Qᵀ, then each product's filter) besides the appends.
 */
export type LayerCache =
  | { layout: 'heads'; k: tf.Tensor4D; v: tf.Tensor4D }
  | { layout: 'filter'; k: tf.Tensor3D; v: tf.Tensor3D };

/** The layout a new cache takes here: `filter` where attention runs on the depthwise product. */
export function cacheLayout(): LayerCache['layout'] {
  return depthwisePays() && options.kernels === 'fast' ? 'filter' : 'heads';
}

/** Keeps a layer's new keys and values, (B, H, t, hs) each, in `layout`. */
export function cacheOf(layout: LayerCache['layout'], k: tf.Tensor, v: tf.Tensor): LayerCache {
  if (layout === 'heads')
    return { layout, k: tf.keep(k) as tf.Tensor4D, v: tf.keep(v) as tf.Tensor4D };
  const [B, H, t, hs] = k.shape as [number, number, number, number];
  const G = B * H;
  return {
    layout,
    k: tf.keep(tf.transpose(tf.reshape(k, [G, t, hs]), [2, 0, 1])) as tf.Tensor3D, // (hs, G, t)
    v: tf.keep(tf.transpose(tf.reshape(v, [G, t, hs]), [1, 0, 2])) as tf.Tensor3D, // (t, G, hs)
  };
}

/**
 * Attention of one new position per row, q, k and v (B, C) after RoPE, against the `filter`
 * cache of layer l, which it extends; returns the heads merged, (B, C). The same products, on the
 * same operands, as the depthwise path of `matMul4` over a `heads` cache, so the same numbers.
 */
export function attendOne(
  cache: (LayerCache | null)[],
  l: number,
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  mask: tf.Tensor,
  H: number,
): tf.Tensor2D {
  const prev = cache[l];
  if (prev?.layout !== 'filter') throw new Error('attendOne: the cache is not in filter layout');
  const [B, C] = q.shape as [number, number];
  const hs = C / H;
  const G = B * H;
  const col = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [G, hs])); // (hs, G)
  const kf = tf.concat([prev.k, tf.reshape(col(k), [hs, G, 1])], 2) as tf.Tensor3D; // (hs, G, t)
  const vf = tf.concat([prev.v, tf.reshape(v, [1, G, hs])], 0) as tf.Tensor3D; // (t, G, hs)
  cache[l] = { layout: 'filter', k: tf.keep(kf), v: tf.keep(vf) };
  const t = kf.shape[2];
  // Q·Kᵀ: an image of one row, hs wide, a channel per (row, head); keys as (1, hs) filters.
  const qk = tf.depthwiseConv2d(
    tf.reshape(col(q), [1, 1, hs, G]) as tf.Tensor4D,
    tf.reshape(kf, [1, hs, G, t]) as tf.Tensor4D,
    1,
    'valid',
  ); // (1, 1, 1, G·t)
  const scores = tf.add(tf.mul(tf.reshape(qk, [B, H, 1, t]), 1 / Math.sqrt(hs)), mask);
  const p = tf.transpose(tf.reshape(tf.softmax(scores), [G, t])); // (t, G)
  const y = tf.depthwiseConv2d(
    tf.reshape(p, [1, 1, t, G]) as tf.Tensor4D,
    tf.reshape(vf, [1, t, G, hs]) as tf.Tensor4D,
    1,
    'valid',
  ); // (1, 1, 1, G·hs): (B, H, hs) in order
  return tf.reshape(y, [B, C]);
}

/**
 * Keeps the cache rows `keep` (batch indices, ascending) and drops the first `drop` key
 * positions of every layer; the replaced tensors are disposed.
 */
export function shrinkCache(
  cache: (LayerCache | null)[],
  keep: number[],
  drop: number,
  H: number,
): void {
  cache.forEach((c, l) => {
    if (!c) return;
    cache[l] = c.layout === 'heads' ? shrinkHeads(c, keep, drop) : shrinkFilter(c, keep, drop, H);
    tf.dispose([c.k, c.v]);
  });
}

function shrinkHeads(
  c: Extract<LayerCache, { layout: 'heads' }>,
  keep: number[],
  drop: number,
): LayerCache {
  return tf.tidy(() => {
    const rows = Int32Array.from(keep);
    const cut = (x: tf.Tensor4D) => {
      const kept = takeRows(x, rows);
      return (drop > 0 ? tf.slice(kept, [0, 0, drop, 0], [-1, -1, -1, -1]) : kept) as tf.Tensor4D;
    };
    return { layout: 'heads', k: cut(c.k), v: cut(c.v) };
  });
}

/** The filter layout's rows are channels, in the middle axis: copied in JS (a CPU backend's). */
function shrinkFilter(
  c: Extract<LayerCache, { layout: 'filter' }>,
  keep: number[],
  drop: number,
  H: number,
): LayerCache {
  const channels = keep.flatMap((b) => Array.from({ length: H }, (_, h) => b * H + h));
  const n = channels.length;
  const [hs, G, t] = c.k.shape;
  const left = t - drop;
  const kd = c.k.dataSync() as Float32Array;
  const k = new Float32Array(hs * n * left);
  for (let i = 0; i < hs; i++)
    channels.forEach((g, j) => {
      const from = (i * G + g) * t;
      k.set(kd.subarray(from + drop, from + t), (i * n + j) * left);
    });
  const vd = c.v.dataSync() as Float32Array;
  const v = new Float32Array(left * n * hs);
  for (let i = 0; i < left; i++)
    channels.forEach((g, j) => {
      const from = ((i + drop) * G + g) * hs;
      v.set(vd.subarray(from, from + hs), (i * n + j) * hs);
    });
  return {
    layout: 'filter',
    k: tf.tensor3d(k, [hs, n, left]),
    v: tf.tensor3d(v, [left, n, hs]),
  };
}
