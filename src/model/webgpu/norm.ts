// RMSNorm on WebGPU: one dispatch forward, two backward; the plain tfjs reference is `rmsNormReference`.
import * as tf from '@tensorflow/tfjs-core';
import { withGrad } from '../ops';
import { dispatch, GROUP_INDEX, MAIN, REDUCE, registerWebGpu, run, workgroupOf } from './runtime';

export const RMS_EPS = 1e-5;

/** x (N, C) · rsqrt(mean(x²) + eps) · gain (C): the model's stock-op RMSNorm. */
export function rmsNormReference(x: tf.Tensor, gain: tf.Tensor): tf.Tensor {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, RMS_EPS))), gain);
}

// One workgroup per row: y = x·r·g and r = rsqrt(mean(x²) + eps), kept for the gradient.
const forward = {
  key: 'lima-rmsnorm',
  outputs: ['y', 'rstd'],
  inputs: [
    ['x', 'f32'],
    ['g', 'f32'],
  ] as [string, 'f32'][],
  uniforms: ['N : u32', 'C : u32', 'eps : f32'],
  body: `${REDUCE}
${MAIN} {
  let row = ${GROUP_INDEX};
  if (row >= u.N) { return; }
  let lid = lid3.x;
  let o = row * u.C;
  var s = 0.0;
  for (var c = lid; c < u.C; c += WG) { let v = x[o + c]; s += v * v; }
  let r = inverseSqrt(reduceSum(s, lid) / f32(u.C) + u.eps);
  for (var c = lid; c < u.C; c += WG) { y[o + c] = x[o + c] * r * g[c]; }
  if (lid == 0u) { rstd[row] = r; }
}`,
};

// dx = r·g·dy − x·r³/C · Σ_j dy_j·g_j·x_j, one workgroup per row.
const backwardX = {
  key: 'lima-rmsnorm-dx',
  outputs: ['dx'],
  inputs: [
    ['dy', 'f32'],
    ['x', 'f32'],
    ['g', 'f32'],
    ['rstd', 'f32'],
  ] as [string, 'f32'][],
  uniforms: ['N : u32', 'C : u32'],
  body: `${REDUCE}
${MAIN} {
  let row = ${GROUP_INDEX};
  if (row >= u.N) { return; }
  let lid = lid3.x;
  let o = row * u.C;
  var s = 0.0;
  for (var c = lid; c < u.C; c += WG) { s += dy[o + c] * g[c] * x[o + c]; }
  let r = rstd[row];
  let k = reduceSum(s, lid) * r * r * r / f32(u.C);
  for (var c = lid; c < u.C; c += WG) { dx[o + c] = r * g[c] * dy[o + c] - x[o + c] * k; }
}`,
};

// dg_c = Σ_n dy[n, c]·x[n, c]·r[n]: one thread per column, neighbouring threads read neighbouring columns.
const backwardGain = {
  key: 'lima-rmsnorm-dg',
  outputs: ['dg'],
  inputs: [
    ['dy', 'f32'],
    ['x', 'f32'],
    ['rstd', 'f32'],
  ] as [string, 'f32'][],
  uniforms: ['N : u32', 'C : u32'],
  body: `${MAIN} {
  let c = (${GROUP_INDEX}) * WG + lid3.x;
  if (c >= u.C) { return; }
  var s = 0.0;
  for (var n = 0u; n < u.N; n++) { s += dy[n * u.C + c] * x[n * u.C + c] * rstd[n]; }
  dg[c] = s;
}`,
};

registerWebGpu(
  forward.key,
  ([x, g], b) => {
    const [N, C] = x.shape;
    return dispatch(
      b,
      forward,
      [x, g],
      [[N, C], [N]],
      [
        ['u32', N],
        ['u32', C],
        ['f32', RMS_EPS],
      ],
      N,
    );
  },
  ['x', 'g'],
);
registerWebGpu(
  backwardX.key,
  ([dy, x, g, r], b) => {
    const [N, C] = x.shape;
    return dispatch(
      b,
      backwardX,
      [dy, x, g, r],
      [[N, C]],
      [
        ['u32', N],
        ['u32', C],
      ],
      N,
    );
  },
  ['dy', 'x', 'g', 'rstd'],
);
registerWebGpu(
  backwardGain.key,
  ([dy, x, r], b) => {
    const [N, C] = x.shape;
    const groups = Math.ceil(C / workgroupOf(b));
    return dispatch(
      b,
      backwardGain,
      [dy, x, r],
      [[C]],
      [
        ['u32', N],
        ['u32', C],
      ],
      groups,
    );
  },
  ['dy', 'x', 'rstd'],
);

/** RMSNorm of x (N, C) with gain (C) on the fused kernels. */
export function rmsNormFused(x: tf.Tensor, gain: tf.Tensor): tf.Tensor2D {
  const f = withGrad(([x1, g1], save) => {
    const [y, rstd] = run(forward.key, { x: x1, g: g1 });
    save([x1, g1, rstd]);
    return {
      value: y,
      gradFunc: (dy, [x2, g2, r2]) => [
        run(backwardX.key, { dy, x: x2, g: g2, rstd: r2 })[0],
        run(backwardGain.key, { dy, x: x2, rstd: r2 })[0],
      ],
    };
  });
  return f(x, gain) as tf.Tensor2D;
}
