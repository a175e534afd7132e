// Softmax cross-entropy with a per-position loss weight on WebGPU: two dispatches forward, one backward.
import * as tf from '@tensorflow/tfjs-core';
import { withGrad } from '../ops';
import { dispatch, GROUP_INDEX, MAIN, REDUCE, registerWebGpu, run } from './runtime';

// Per row: lse = log Σ exp(z), and the row's weighted loss (lse − z[target])·w.
const rows = {
  key: 'lima-xent-rows',
  outputs: ['lse', 'nllw'],
  inputs: [
    ['z', 'f32'],
    ['tgt', 'i32'],
    ['w', 'f32'],
  ] as [string, 'f32' | 'i32'][],
  uniforms: ['N : u32', 'V : u32'],
  body: `${REDUCE}
${MAIN} {
  let row = ${GROUP_INDEX};
  if (row >= u.N) { return; }
  let lid = lid3.x;
  let o = row * u.V;
  var m = -3.0e38;
  for (var v = lid; v < u.V; v += WG) { m = max(m, z[o + v]); }
  m = reduceMax(m, lid);
  var s = 0.0;
  for (var v = lid; v < u.V; v += WG) { s += exp(z[o + v] - m); }
  let l = m + log(reduceSum(s, lid));
  if (lid == 0u) {
    lse[row] = l;
    nllw[row] = (l - z[o + u32(tgt[row])]) * w[row];
  }
}`,
};

// One workgroup: Σ nllw / max(Σ w, 1e-9).
const total = {
  key: 'lima-xent-total',
  outputs: ['loss'],
  inputs: [
    ['nllw', 'f32'],
    ['w', 'f32'],
  ] as [string, 'f32'][],
  uniforms: ['N : u32'],
  body: `${REDUCE}
${MAIN} {
  let lid = lid3.x;
  var a = 0.0;
  var b = 0.0;
  for (var n = lid; n < u.N; n += WG) { a += nllw[n]; b += w[n]; }
  let sa = reduceSum(a, lid);
  let sb = reduceSum(b, lid);
  if (lid == 0u) { loss[0] = sa / max(sb, 1e-9); }
}`,
};

// dz = (softmax(z) − onehot(target))·w·dy / max(Σ w, 1e-9), one workgroup per row.
const backward = {
  key: 'lima-xent-grad',
  outputs: ['dz'],
  inputs: [
    ['z', 'f32'],
    ['tgt', 'i32'],
    ['w', 'f32'],
    ['lse', 'f32'],
    ['dy', 'f32'],
  ] as [string, 'f32' | 'i32'][],
  uniforms: ['N : u32', 'V : u32'],
  body: `${REDUCE}
${MAIN} {
  let row = ${GROUP_INDEX};
  if (row >= u.N) { return; }
  let lid = lid3.x;
  var a = 0.0;
  for (var n = lid; n < u.N; n += WG) { a += w[n]; }
  let k = w[row] * dy[0] / max(reduceSum(a, lid), 1e-9);
  let t = u32(tgt[row]);
  let l = lse[row];
  let o = row * u.V;
  for (var v = lid; v < u.V; v += WG) {
    dz[o + v] = (exp(z[o + v] - l) - select(0.0, 1.0, v == t)) * k;
  }
}`,
};

registerWebGpu(
  rows.key,
  ([z, tgt, w], b) => {
    const [N, V] = z.shape;
    return dispatch(
      b,
      rows,
      [z, tgt, w],
      [[N], [N]],
      [
        ['u32', N],
        ['u32', V],
      ],
      N,
    );
  },
  ['z', 'tgt', 'w'],
);
registerWebGpu(
  total.key,
  ([nllw, w], b) => dispatch(b, total, [nllw, w], [[]], [['u32', nllw.shape[0]]], 1),
  ['nllw', 'w'],
);
registerWebGpu(
  backward.key,
  ([z, tgt, w, lse, dy], b) => {
    const [N, V] = z.shape;
    return dispatch(
      b,
      backward,
      [z, tgt, w, lse, dy],
      [[N, V]],
      [
        ['u32', N],
        ['u32', V],
      ],
      N,
    );
  },
  ['z', 'tgt', 'w', 'lse', 'dy'],
);

/**
 * Mean cross-entropy of logits (N, V) against targets (N) weighted per position, on the fused
 * kernels; `maskedCrossEntropy` in ops.ts is its reference. Only the logits are differentiated;
 * targets and weights reach the gradient through `save` (the forward's scope is disposed before
 * the backward runs, and saving shares the buffer, no copy).
 */
export function maskedCrossEntropyFused(
  logits: tf.Tensor2D,
  targets: tf.Tensor1D,
  weights: tf.Tensor1D,
): tf.Scalar {
  const f = withGrad(([z], save) => {
    const tgt = targets.dtype === 'int32' ? targets : tf.cast(targets, 'int32');
    const [lse, nllw] = run(rows.key, { z, tgt, w: weights });
    save([z, lse, tgt, weights]);
    return {
      value: tf.reshape(run(total.key, { nllw, w: weights })[0], []),
      gradFunc: (dy, [z2, lse2, tgt2, w2]) => [
        run(backward.key, { z: z2, tgt: tgt2, w: w2, lse: lse2, dy: tf.reshape(dy, [1]) })[0],
      ],
    };
  });
  return f(logits) as tf.Scalar;
}
