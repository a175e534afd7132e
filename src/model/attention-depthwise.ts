// Training attention on tfjs-wasm: both products as depthwise convolutions in one layout, with the gradient written out.
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseProduct as depthwise } from './bmm';
import { withGrad } from './ops';

/**
 * softmax(q·kᵀ/√hs + mask)·v of B rows of T positions in H heads, for q, k, v (B·T, C) (after
 * RoPE) and the additive mask (T, T) or (B, 1, T, T); returns the heads merged, (B·T, C).
 *
 * The same numbers, bit for bit (test), as the plain path in `hidden` (`matMul4` on (B, H, T, T)
 * scores and tfjs's softmax gradient), which runs each product as a depthwise convolution too but
 * transposes every (B·H, T, T) operand into the convolution's layout and every result back. Here
 * the scores stay (T, B·H, T), the layout the convolution writes, from the scores to the
 * gradient: seven transposes of T·T·B·H floats per layer and step become three, about 7% of a
 * toy training step. Only where `bmmDepthwise` pays (tfjs-wasm) and without a KV cache.
 */
export function attentionDepthwise(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  mask: tf.Tensor,
  B: number,
  T: number,
  H: number,
): tf.Tensor2D {
  const C = q.shape[1] as number;
  const hs = C / H;
  const G = B * H;
  const scale = 1 / Math.sqrt(hs);
  // The mask, laid out to broadcast against scores (T, B, H, T).
  const maskT = mask.rank === 4 ? tf.transpose(mask, [2, 0, 1, 3]) : tf.reshape(mask, [T, 1, 1, T]);
  const split = (x: tf.Tensor) => tf.reshape(x, [B, T, H, hs]);
  const f = withGrad(([q1, k1, v1, m], save) => {
    const qImg = tf.reshape(tf.transpose(split(q1), [1, 3, 0, 2]), [T, hs, G]); // (T, hs, G)
    const kFil = tf.reshape(tf.transpose(split(k1), [3, 0, 2, 1]), [hs, G, T]); // (hs, G, Tk)
    const vFil = tf.reshape(tf.transpose(split(v1), [1, 0, 2, 3]), [T, G, hs]); // (Tk, G, hs)
    const scores = tf.mul(depthwise(qImg, kFil), scale); // (T, G, Tk)
    const p = tf.reshape(tf.softmax(tf.add(tf.reshape(scores, [T, B, H, T]), m)), [T, G, T]);
    const y = depthwise(tf.transpose(p, [0, 2, 1]), vFil); // (T, G, hs)
    save([qImg, kFil, vFil, p]);
    return {
      value: tf.reshape(tf.transpose(tf.reshape(y, [T, B, C]), [1, 0, 2]), [B * T, C]),
      gradFunc: (dy, [qI, kF, vF, p2]) => {
        const dY = tf.reshape(tf.transpose(tf.reshape(dy, [B, T, C]), [1, 0, 2]), [T, G, hs]);
        const dP = depthwise(tf.transpose(dY, [0, 2, 1]), tf.transpose(vF, [2, 1, 0])); // (T, G, Tk)
        const dV = depthwise(tf.transpose(p2, [2, 0, 1]), dY); // (Tk, G, hs)
        // tfjs's softmax gradient, term for term: dy·y − Σ(dy·y)·y.
        const dyTimesY = tf.mul(dP, p2);
        const dS = tf.mul(tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, -1, true), p2)), scale);
        const dQ = depthwise(tf.transpose(dS, [0, 2, 1]), tf.transpose(kF, [2, 1, 0])); // (T, G, hs)
        const dK = depthwise(tf.transpose(qI, [1, 0, 2]), dS); // (hs, G, Tk)
        const rows = (x: tf.Tensor) =>
          tf.reshape(tf.transpose(tf.reshape(x, [T, B, C]), [1, 0, 2]), [B * T, C]);
        const dk = tf.reshape(tf.transpose(tf.reshape(dK, [hs, B, H, T]), [1, 3, 2, 0]), [
          B * T,
          C,
        ]);
        return [rows(dQ), dk, rows(dV), tf.zerosLike(m)];
      },
    };
  });
  return f(q, k, v, maskT) as tf.Tensor2D;
}
