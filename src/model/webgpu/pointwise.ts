// RoPE on the fused q|k|v activations and SwiGLU on the fused gate|up activations, on WebGPU (one dispatch each way).
import * as tf from '@tensorflow/tfjs-core';
import { withGrad } from '../ops';
import { dispatch, GROUP_INDEX, MAIN, registerWebGpu, run, workgroupOf } from './runtime';

const flat = `let i = (${GROUP_INDEX}) * WG + lid3.x;`;

/**
 * Rotary embedding of the q and k thirds of qkv (N, 3C), v copied: out = x·cos + s·rotateHalf(x)·sin
 * with s = 1. With s = −1 it is the gradient (the transpose of the rotation), because the tables
 * give dimensions d and d + hs/2 of a head the same angle (see makeConstants).
 */
const rope = {
  key: 'lima-rope-qkv',
  outputs: ['y'],
  inputs: [
    ['x', 'f32'],
    ['cs', 'f32'],
    ['sn', 'f32'],
  ] as [string, 'f32'][],
  uniforms: ['N : u32', 'C : u32', 'hs : u32', 'sign : f32'],
  body: `${MAIN} {
  ${flat}
  let C3 = 3u * u.C;
  if (i >= u.N * C3) { return; }
  let n = i / C3;
  let col = i % C3;
  if (col >= 2u * u.C) { y[i] = x[i]; return; }
  let local = col % u.C;
  let d = local % u.hs;
  let half = u.hs / 2u;
  let t = n * u.C + local;
  var rot : f32;
  if (d < half) { rot = -x[i + half]; } else { rot = x[i - half]; }
  y[i] = x[i] * cs[t] + u.sign * rot * sn[t];
}`,
};

registerWebGpu(
  rope.key,
  ([x, cs, sn], b, attrs) => {
    const [N, C3] = x.shape;
    const C = C3 / 3;
    return dispatch(
      b,
      rope,
      [x, cs, sn],
      [[N, C3]],
      [
        ['u32', N],
        ['u32', C],
        ['u32', attrs.hs as number],
        ['f32', attrs.sign as number],
      ],
      Math.ceil((N * C3) / workgroupOf(b)),
    );
  },
  ['x', 'cs', 'sn'],
);

/** RoPE on q and k of qkv (N, 3C) with tables cos, sin (N, C) of head size hs; v passes through. */
export function ropeQkvFused(
  qkv: tf.Tensor,
  cos: tf.Tensor,
  sin: tf.Tensor,
  hs: number,
): tf.Tensor {
  // The tables reach the gradient through `save`: the forward's scope is disposed before it runs.
  const f = withGrad(([x], save) => {
    save([cos, sin]);
    return {
      value: run(rope.key, { x, cs: cos, sn: sin }, { hs, sign: 1 })[0],
      gradFunc: (dy, [c, s]) => [run(rope.key, { x: dy, cs: c, sn: s }, { hs, sign: -1 })[0]],
    };
  });
  return f(qkv);
}

const swigluForward = {
  key: 'lima-swiglu',
  outputs: ['act'],
  inputs: [['gu', 'f32']] as [string, 'f32'][],
  uniforms: ['N : u32', 'H : u32'],
  body: `${MAIN} {
  ${flat}
  if (i >= u.N * u.H) { return; }
  let o = (i / u.H) * 2u * u.H + i % u.H;
  let g = gu[o];
  act[i] = g / (1.0 + exp(-g)) * gu[o + u.H];
}`,
};

const swigluBackward = {
  key: 'lima-swiglu-grad',
  outputs: ['dgu'],
  inputs: [
    ['gu', 'f32'],
    ['da', 'f32'],
  ] as [string, 'f32'][],
  uniforms: ['N : u32', 'H : u32'],
  body: `${MAIN} {
  ${flat}
  if (i >= u.N * u.H) { return; }
  let o = (i / u.H) * 2u * u.H + i % u.H;
  let g = gu[o];
  let sig = 1.0 / (1.0 + exp(-g));
  dgu[o] = da[i] * gu[o + u.H] * sig * (1.0 + g * (1.0 - sig));
  dgu[o + u.H] = da[i] * g * sig;
}`,
};

registerWebGpu(
  swigluForward.key,
  ([gu], b) => {
    const [N, H2] = gu.shape;
    const H = H2 / 2;
    return dispatch(
      b,
      swigluForward,
      [gu],
      [[N, H]],
      [
        ['u32', N],
        ['u32', H],
      ],
      Math.ceil((N * H) / workgroupOf(b)),
    );
  },
  ['gu'],
);
registerWebGpu(
  swigluBackward.key,
  ([gu, da], b) => {
    const [N, H2] = gu.shape;
    const H = H2 / 2;
    return dispatch(
      b,
      swigluBackward,
      [gu, da],
      [[N, H2]],
      [
        ['u32', N],
        ['u32', H],
      ],
      Math.ceil((N * H) / workgroupOf(b)),
    );
  },
  ['gu', 'da'],
);

/** The model's stock-op SwiGLU on gate|up (N, 2H): silu(gate) ⊙ up. */
export function swigluReference(gu: tf.Tensor): tf.Tensor {
  const [gate, up] = tf.split(gu, 2, 1);
  return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
}

/** silu(gate) ⊙ up of gate|up (N, 2H) → (N, H), on the fused kernels. */
export function swigluFused(gu: tf.Tensor): tf.Tensor2D {
  const f = withGrad(([x], save) => {
    save([x]);
    return {
      value: run(swigluForward.key, { gu: x })[0],
      gradFunc: (dy, [x2]) => [run(swigluBackward.key, { gu: x2, da: dy })[0]],
    };
  });
  return f(gu) as tf.Tensor2D;
}
