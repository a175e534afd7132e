// Checkpoints as safetensors buffers: weights (readable by other tools) and AdamW state, for IndexedDB.
import type { ModelConfig } from '../model/llama';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * The safetensors layout: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range (plus string metadata), then the raw little-endian data.
 * The header is padded with spaces to a multiple of 8 so the data is aligned.
 */
export function encodeSafetensors(
  tensors: [string, NamedTensor][],
  metadata: Record<string, string> = {},
): ArrayBuffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length)
      throw new Error(`${name}: shape ${t.shape} holds ${size} values, not ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const buf = new ArrayBuffer(8 + headerBytes.length + offset);
  const view = new DataView(buf);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  new Uint8Array(buf, 8, headerBytes.length).set(headerBytes);
  const base = 8 + headerBytes.length;
  let at = 0;
  for (const [, t] of tensors) {
    // Float32Array uses the platform's byte order; write little-endian explicitly.
    for (let i = 0; i < t.data.length; i++) view.setFloat32(base + at + 4 * i, t.data[i], true);
    at += 4 * t.data.length;
  }
  return buf;
}

export function decodeSafetensors(buf: ArrayBuffer): {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
} {
  const view = new DataView(buf);
  const n = Number(view.getBigUint64(0, true));
  type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, n))) as Record<
    string,
    unknown
  >;
  const tensors = new Map<string, NamedTensor>();
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = value as Entry;
    if (info.dtype !== 'F32')
      throw new Error(`${name}: dtype ${info.dtype} is not supported (F32 only)`);
    const [from, to] = info.data_offsets;
    const data = new Float32Array((to - from) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(8 + n + from + 4 * i, true);
    tensors.set(name, { shape: info.shape, data });
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}

/** Weights with the model's config in the metadata, so a file says what it is. */
export function encodeWeights(cfg: ModelConfig, weights: Map<string, NamedTensor>): ArrayBuffer {
  return encodeSafetensors([...weights], { format: 'lima-lab', config: JSON.stringify(cfg) });
}

export function decodeWeights(buf: ArrayBuffer): {
  cfg: ModelConfig;
  weights: Map<string, NamedTensor>;
} {
  const { tensors, metadata } = decodeSafetensors(buf);
  if (!metadata.config)
    throw new Error('not a LIMA Lab checkpoint: no model config in its metadata');
  return { cfg: JSON.parse(metadata.config) as ModelConfig, weights: tensors };
}

/** AdamW moments as `m.<name>` / `v.<name>`, the step count in the metadata. */
export function encodeOptimizer(
  step: number,
  m: Map<string, NamedTensor>,
  v: Map<string, NamedTensor>,
): ArrayBuffer {
  const list: [string, NamedTensor][] = [
    ...[...m].map(([k, t]): [string, NamedTensor] => [`m.${k}`, t]),
    ...[...v].map(([k, t]): [string, NamedTensor] => [`v.${k}`, t]),
  ];
  return encodeSafetensors(list, { step: String(step) });
}

export function decodeOptimizer(buf: ArrayBuffer): {
  step: number;
  m: Map<string, NamedTensor>;
  v: Map<string, NamedTensor>;
} {
  const { tensors, metadata } = decodeSafetensors(buf);
  const m = new Map<string, NamedTensor>();
  const v = new Map<string, NamedTensor>();
  for (const [k, t] of tensors) (k.startsWith('m.') ? m : v).set(k.slice(2), t);
  return { step: Number(metadata.step), m, v };
}
