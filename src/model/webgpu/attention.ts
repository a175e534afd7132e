// Causal self-attention on WebGPU, reading q|k|v (N, 3C) and writing heads merged (N, C): one dispatch forward, two backward.
import * as tf from '@tensorflow/tfjs-core';
import { withGrad } from '../ops';
import { dispatch, GROUP_INDEX, MAIN, registerWebGpu, run, workgroupOf } from './runtime';

/*
 * One thread per (batch, head, position), in that order of nesting, so the threads of a workgroup
 * share (batch, head) and read the same key row at the same time. Rows of q|k|v are b·T + t; head
 * h's q sits in columns h·hs…, its k at C + h·hs…, its v at 2C + h·hs…. The forward keeps each
 * row's log-sum-exp, from which the backward recomputes the probabilities (no T×T matrix is stored).
 * A key is seen by the queries at or after it in its own segment (packed examples never mix).
 */
const header = (hs: number) => `
const HS : u32 = ${hs}u;
${MAIN} {
  let id = (${GROUP_INDEX}) * WG + lid3.x;
  if (id >= u.B * u.H * u.T) { return; }
  let t0 = id % u.T;
  let h = (id / u.T) % u.H;
  let b = id / (u.T * u.H);
  let C3 = 3u * u.C;
  let hq = h * HS;
  let hk = u.C + h * HS;
  let hv = 2u * u.C + h * HS;
  let me = b * u.T + t0;
  let sMe = seg[me];`;

// y_i = Σ_{j≤i} softmax_j(scale·q_i·k_j)·v_j with an online softmax; lse_i kept.
const forward = (hs: number) => ({
  key: `lima-attn-${hs}`,
  outputs: ['y', 'lse'],
  inputs: [
    ['qkv', 'f32'],
    ['seg', 'i32'],
  ] as [string, 'f32' | 'i32'][],
  uniforms: ['B : u32', 'T : u32', 'H : u32', 'C : u32', 'scale : f32'],
  body: `${header(hs)}
  var q : array<f32, HS>;
  var acc : array<f32, HS>;
  for (var d = 0u; d < HS; d++) { q[d] = qkv[me * C3 + hq + d] * u.scale; acc[d] = 0.0; }
  var m = -3.0e38;
  var l = 0.0;
  for (var j = 0u; j <= t0; j++) {
    if (seg[b * u.T + j] != sMe) { continue; }
    let r = (b * u.T + j) * C3;
    var s = 0.0;
    for (var d = 0u; d < HS; d++) { s += q[d] * qkv[r + hk + d]; }
    let mNew = max(m, s);
    let corr = exp(m - mNew);
    let p = exp(s - mNew);
    l = l * corr + p;
    for (var d = 0u; d < HS; d++) { acc[d] = acc[d] * corr + p * qkv[r + hv + d]; }
    m = mNew;
  }
  for (var d = 0u; d < HS; d++) { y[me * u.C + hq + d] = acc[d] / l; }
  lse[id] = m + log(l);
}`,
});

// Per query i: D_i = dy_i·y_i and dq_i = scale·Σ_j P_ij (dy_i·v_j − D_i) k_j.
const backwardQ = (hs: number) => ({
  key: `lima-attn-dq-${hs}`,
  outputs: ['dq', 'D'],
  inputs: [
    ['qkv', 'f32'],
    ['dy', 'f32'],
    ['y', 'f32'],
    ['lse', 'f32'],
    ['seg', 'i32'],
  ] as [string, 'f32' | 'i32'][],
  uniforms: ['B : u32', 'T : u32', 'H : u32', 'C : u32', 'scale : f32'],
  body: `${header(hs)}
  var q : array<f32, HS>;
  var g : array<f32, HS>;
  var acc : array<f32, HS>;
  var Di = 0.0;
  for (var d = 0u; d < HS; d++) {
    q[d] = qkv[me * C3 + hq + d] * u.scale;
    g[d] = dy[me * u.C + hq + d];
    Di += g[d] * y[me * u.C + hq + d];
    acc[d] = 0.0;
  }
  let li = lse[id];
  for (var j = 0u; j <= t0; j++) {
    if (seg[b * u.T + j] != sMe) { continue; }
    let r = (b * u.T + j) * C3;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < HS; d++) { s += q[d] * qkv[r + hk + d]; dp += g[d] * qkv[r + hv + d]; }
    let ds = exp(s - li) * (dp - Di);
    for (var d = 0u; d < HS; d++) { acc[d] += ds * qkv[r + hk + d]; }
  }
  for (var d = 0u; d < HS; d++) { dq[me * u.C + hq + d] = acc[d] * u.scale; }
  D[id] = Di;
}`,
});

// Per key j: dk_j = scale·Σ_{i≥j} P_ij (dy_i·v_j − D_i) q_i, dv_j = Σ_{i≥j} P_ij dy_i; writes the whole
// gradient of q|k|v (N, 3C), copying dq into its third.
const backwardKV = (hs: number) => ({
  key: `lima-attn-dkv-${hs}`,
  outputs: ['dqkv'],
  inputs: [
    ['qkv', 'f32'],
    ['dy', 'f32'],
    ['lse', 'f32'],
    ['D', 'f32'],
    ['dq', 'f32'],
    ['seg', 'i32'],
  ] as [string, 'f32' | 'i32'][],
  uniforms: ['B : u32', 'T : u32', 'H : u32', 'C : u32', 'scale : f32'],
  body: `${header(hs)}
  var k : array<f32, HS>;
  var v : array<f32, HS>;
  var ak : array<f32, HS>;
  var av : array<f32, HS>;
  for (var d = 0u; d < HS; d++) {
    k[d] = qkv[me * C3 + hk + d] * u.scale;
    v[d] = qkv[me * C3 + hv + d];
    ak[d] = 0.0;
    av[d] = 0.0;
  }
  let base = (id / u.T) * u.T;
  for (var i = t0; i < u.T; i++) {
    if (seg[b * u.T + i] != sMe) { continue; }
    let r = (b * u.T + i) * C3;
    let ry = (b * u.T + i) * u.C + hq;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < HS; d++) { s += qkv[r + hq + d] * k[d]; dp += dy[ry + d] * v[d]; }
    let p = exp(s - lse[base + i]);
    let ds = p * (dp - D[base + i]);
    for (var d = 0u; d < HS; d++) { ak[d] += ds * qkv[r + hq + d]; av[d] += p * dy[ry + d]; }
  }
  for (var d = 0u; d < HS; d++) {
    dqkv[me * C3 + hq + d] = dq[me * u.C + hq + d];
    dqkv[me * C3 + hk + d] = ak[d] * u.scale;
    dqkv[me * C3 + hv + d] = av[d];
  }
}`,
});

type Attrs = { B: number; T: number; H: number };
const uniformsOf = (a: Attrs, C: number): ['u32' | 'f32', number][] => [
  ['u32', a.B],
  ['u32', a.T],
  ['u32', a.H],
  ['u32', C],
  ['f32', 1 / Math.sqrt(C / a.H)],
];
const groupsOf = (a: Attrs, b: unknown) => Math.ceil((a.B * a.H * a.T) / workgroupOf(b));

registerWebGpu(
  'LimaAttention',
  (inputs, b, attrs) => {
    const a = attrs as Attrs;
    const [N, C3] = inputs[0].shape;
    const C = C3 / 3;
    return dispatch(
      b,
      forward(C / a.H),
      inputs,
      [[N, C], [a.B * a.H * a.T]],
      uniformsOf(a, C),
      groupsOf(a, b),
    );
  },
  ['qkv', 'seg'],
);
registerWebGpu(
  'LimaAttentionDq',
  (inputs, b, attrs) => {
    const a = attrs as Attrs;
    const [N, C3] = inputs[0].shape;
    const C = C3 / 3;
    return dispatch(
      b,
      backwardQ(C / a.H),
      inputs,
      [[N, C], [a.B * a.H * a.T]],
      uniformsOf(a, C),
      groupsOf(a, b),
    );
  },
  ['qkv', 'dy', 'y', 'lse', 'seg'],
);
registerWebGpu(
  'LimaAttentionDkv',
  (inputs, b, attrs) => {
    const a = attrs as Attrs;
    const [N, C3] = inputs[0].shape;
    return dispatch(
      b,
      backwardKV(C3 / 3 / a.H),
      inputs,
      [[N, C3]],
      uniformsOf(a, C3 / 3),
      groupsOf(a, b),
    );
  },
  ['qkv', 'dy', 'lse', 'D', 'dq', 'seg'],
);

/**
 * The stock-op reference: q|k|v (B·T, 3C) → softmax(q·kᵀ/√hs + mask)·v with heads merged (B·T, C),
 * for an additive mask broadcast to (B, H, T, T) (the model's causal or segment mask).
 */
export function attentionReference(
  qkv: tf.Tensor,
  mask: tf.Tensor,
  B: number,
  T: number,
  H: number,
): tf.Tensor2D {
  const C = qkv.shape[1]! / 3;
  const hs = C / H;
  const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, hs]), [0, 2, 1, 3]);
  const [q, k, v] = tf.split(qkv, 3, 1).map(heads);
  const scores = tf.add(
    tf.mul(tf.matMul(q as tf.Tensor4D, k as tf.Tensor4D, false, true), 1 / Math.sqrt(hs)),
    mask,
  );
  const y = tf.matMul(tf.softmax(scores) as tf.Tensor4D, v as tf.Tensor4D);
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D;
}

/**
 * Attention of q|k|v (B·T, 3C) with H heads → (B·T, C), causal within each row's segments
 * (int32 (B·T) example ids; all equal for an unpacked row), on the fused kernels.
 */
export function attentionFused(
  qkv: tf.Tensor,
  segments: tf.Tensor,
  B: number,
  T: number,
  H: number,
): tf.Tensor2D {
  const attrs = { B, T, H };
  // The segment ids reach the gradient through `save`: the forward's scope is disposed before it runs.
  const f = withGrad(([x], save) => {
    const [y, lse] = run('LimaAttention', { qkv: x, seg: segments }, attrs);
    save([x, y, lse, segments]);
    return {
      value: y,
      gradFunc: (dy, [x2, y2, lse2, seg]) => {
        const [dq, D] = run('LimaAttentionDq', { qkv: x2, dy, y: y2, lse: lse2, seg }, attrs);
        return [run('LimaAttentionDkv', { qkv: x2, dy, lse: lse2, D, dq, seg }, attrs)[0]];
      },
    };
  });
  return f(qkv) as tf.Tensor2D;
}
