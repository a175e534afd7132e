// AdamW on WebGPU: the global gradient norm in one dispatch per six gradients, then one dispatch per parameter.
import * as tf from '@tensorflow/tfjs-core';
import {
  activeLimits,
  dispatch,
  GROUP_INDEX,
  MAIN,
  REDUCE,
  registerWebGpu,
  run,
  workgroupOf,
  type Kernel,
} from '../model/webgpu/runtime';
import type { AdamWConfig } from './adamw';

/**
 * Squared sums of up to `n` gradients into their slots of a (P) vector, one workgroup per gradient
 * (a WebGPU shader binds at most maxStorageBuffersPerShaderStage buffers, 8 on most adapters, so one
 * dispatch cannot see every parameter). The other slots are copied from the previous vector, or
 * zeroed in the first dispatch, which has none.
 */
function sumsq(n: number, first: boolean): Kernel {
  const branches = Array.from(
    { length: n },
    (_, k) => `if (w == ${k}u) {
    var a = 0.0;
    for (var e = lid; e < u.n${k}; e += WG) { let x = g${k}[e]; a += x * x; }
    let r = reduceSum(a, lid);
    if (lid == 0u) { out[u.s + ${k}u] = r; }
  }`,
  ).join(' else ');
  return {
    key: `lima-sumsq-${n}-${first}`,
    outputs: ['out'],
    inputs: [
      ...Array.from({ length: n }, (_, k) => [`g${k}`, 'f32'] as [string, 'f32']),
      ...(first ? [] : [['acc', 'f32'] as [string, 'f32']]),
    ],
    uniforms: ['P : u32', 's : u32', ...Array.from({ length: n }, (_, k) => `n${k} : u32`)],
    body: `${REDUCE}
${MAIN} {
  let lid = lid3.x;
  let w = wid.x;
  if (w == 0u) {
    for (var j = lid; j < u.P; j += WG) {
      if (j < u.s || j >= u.s + ${n}u) { out[j] = ${first ? '0.0' : 'acc[j]'}; }
    }
  }
  ${branches}
}`,
  };
}

const GRADS = 6;
const names = ['acc', ...Array.from({ length: GRADS }, (_, k) => `g${k}`)];

registerWebGpu(
  'LimaSumSq',
  ([acc, ...rest], b, attrs) => {
    const gs = rest.filter((g) => g !== undefined);
    const k = sumsq(gs.length, acc === undefined);
    const P = attrs.P as number;
    const uniforms: ['u32', number][] = [
      ['u32', P],
      ['u32', attrs.s as number],
      ...gs.map((g) => ['u32', g.shape.reduce((x, y) => x * y, 1)] as ['u32', number]),
    ];
    return dispatch(b, k, acc ? [...gs, acc] : gs, [[P]], uniforms, gs.length);
  },
  names,
);

// One parameter: clip by the global norm (from the squared sums), moments, bias correction, decoupled decay.
const update: Kernel = {
  key: 'lima-adamw',
  outputs: ['po', 'mo', 'vo'],
  inputs: [
    ['p', 'f32'],
    ['g', 'f32'],
    ['m', 'f32'],
    ['v', 'f32'],
    ['acc', 'f32'],
  ],
  uniforms: [
    'n : u32',
    'P : u32',
    'lr : f32',
    'b1 : f32',
    'b2 : f32',
    'bc1 : f32',
    'bc2 : f32',
    'eps : f32',
    'wd : f32',
    'clip : f32',
  ],
  body: `${MAIN} {
  let i = (${GROUP_INDEX}) * WG + lid3.x;
  if (i >= u.n) { return; }
  var tot = 0.0;
  for (var j = 0u; j < u.P; j++) { tot += acc[j]; }
  var scale = 1.0;
  if (u.clip > 0.0) { scale = min(1.0, u.clip / (sqrt(tot) + 1e-6)); }
  let gi = g[i] * scale;
  let mi = u.b1 * m[i] + (1.0 - u.b1) * gi;
  let vi = u.b2 * v[i] + (1.0 - u.b2) * gi * gi;
  mo[i] = mi;
  vo[i] = vi;
  let upd = (mi / u.bc1) / (sqrt(vi / u.bc2) + u.eps);
  po[i] = p[i] - u.lr * (upd + u.wd * p[i]);
}`,
};

registerWebGpu(
  'LimaAdamW',
  (inputs, b, a) => {
    const shape = inputs[0].shape;
    const n = shape.reduce((x, y) => x * y, 1);
    const f = (k: string) => ['f32', a[k] as number] as ['f32', number];
    return dispatch(
      b,
      update,
      inputs,
      [shape, shape, shape],
      [
        ['u32', n],
        ['u32', inputs[4].shape[0]],
        f('lr'),
        f('b1'),
        f('b2'),
        f('bc1'),
        f('bc2'),
        f('eps'),
        f('wd'),
        f('clip'),
      ],
      Math.ceil(n / workgroupOf(b)),
    );
  },
  ['p', 'g', 'm', 'v', 'acc'],
);

/**
 * One AdamW step on the fused kernels, with the same arithmetic as `AdamW.apply` (its reference).
 * Returns the global gradient norm before clipping (a scalar the caller owns).
 */
export function adamwStepFused(
  o: {
    vars: tf.Variable[];
    m: tf.Variable[];
    v: tf.Variable[];
    cfg: AdamWConfig;
    bc1: number;
    bc2: number;
  },
  grads: tf.Tensor[],
  lr: number,
): tf.Scalar {
  const P = grads.length;
  const per = Math.max(1, Math.min(GRADS, activeLimits().maxStorageBuffers - 2));
  return tf.tidy(() => {
    let acc: tf.Tensor | undefined;
    for (let s = 0; s < P; s += per) {
      const named: Record<string, tf.Tensor> = acc ? { acc } : {};
      grads.slice(s, s + per).forEach((g, k) => (named[`g${k}`] = g));
      acc = run('LimaSumSq', named, { P, s })[0];
    }
    const { beta1, beta2, eps, weightDecay, gradClip } = o.cfg;
    o.vars.forEach((p, i) => {
      const [po, mo, vo] = run(
        'LimaAdamW',
        { p, g: grads[i], m: o.m[i], v: o.v[i], acc: acc! },
        {
          lr,
          b1: beta1,
          b2: beta2,
          bc1: o.bc1,
          bc2: o.bc2,
          eps,
          wd: p.rank >= 2 ? weightDecay : 0,
          clip: gradClip,
        },
      );
      p.assign(po);
      o.m[i].assign(mo);
      o.v[i].assign(vo);
    });
    return tf.keep(tf.sqrt(tf.sum(acc!))) as tf.Scalar;
  });
}
