// The file a shipped base model travels in: one pretraining stage's record and final weights, bit-exact.
import * as v from 'valibot';
import type { BackendName, Checkpoint, KnowledgeProbe, LossPoint } from '../engine/api';

/**
 * Layout: "LIMABASE", a u32 format version and a u32 header length (little-endian), the header as
 * UTF-8 JSON, zeros up to a multiple of 4, then the weights exactly as the engine's checkpoint holds
 * them (float32). Only what the pretraining computed goes in, no timings, so the same spec on the
 * same backend writes the same bytes.
 */
const MAGIC = 'LIMABASE';
export const BASE_FILE_VERSION = 1;
const PREFIX = MAGIC.length + 8;

/** A pretraining stage as shipped: what the cache needs to treat it as computed here. */
export interface BaseFile {
  stageId: string;
  backend: BackendName;
  totalSteps: number;
  lossCurve: LossPoint[];
  knowledge?: KnowledgeProbe;
  weights: ArrayBuffer;
}

const finite = v.pipe(v.number(), v.finite());
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Header = v.object({
  stageId: v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/)),
  backend: v.picklist(['webgpu', 'wasm', 'cpu']),
  totalSteps: count,
  lossCurve: v.array(
    v.object({
      step: count,
      loss: finite,
      valLoss: v.optional(finite),
      lr: finite,
      tokens: count,
    }),
  ),
  // The probe's figures are shown, never computed with: their shape is the engine's, kept as is.
  knowledge: v.optional(v.looseObject({ recalled: count, total: count })),
  weightBytes: count,
});

export function encodeBaseFile(base: BaseFile): Uint8Array {
  const { weights, ...rest } = base;
  const header = new TextEncoder().encode(
    JSON.stringify({ ...rest, weightBytes: weights.byteLength }),
  );
  const start = Math.ceil((PREFIX + header.length) / 4) * 4;
  const out = new Uint8Array(start + weights.byteLength);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(MAGIC.length, BASE_FILE_VERSION, true);
  view.setUint32(MAGIC.length + 4, header.length, true);
  out.set(header, PREFIX);
  out.set(new Uint8Array(weights), start);
  return out;
}

/** Reads a base file, or says precisely what is wrong with it; `expected` is the stage id it must hold. */
export function decodeBaseFile(
  bytes: Uint8Array,
  expected: string,
): { ok: true; value: BaseFile } | { ok: false; error: string } {
  const bad = (why: string) => ({ ok: false as const, error: `base file ${expected}: ${why}` });
  if (bytes.length < PREFIX || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    return bad('not a LIMA Lab base file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(MAGIC.length, true);
  if (version !== BASE_FILE_VERSION)
    return bad(`format version ${version}, this app reads ${BASE_FILE_VERSION}`);
  const headerLength = view.getUint32(MAGIC.length + 4, true);
  if (PREFIX + headerLength > bytes.length) return bad('truncated header');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
  } catch {
    return bad('its header is not JSON');
  }
  const parsed = v.safeParse(Header, json);
  if (!parsed.success) return bad(`bad header: ${parsed.issues.map((i) => i.message).join('; ')}`);
  const { weightBytes, knowledge, ...header } = parsed.output;
  if (header.stageId !== expected) return bad(`holds stage ${header.stageId}`);
  const start = Math.ceil((PREFIX + headerLength) / 4) * 4;
  if (weightBytes % 4 !== 0 || bytes.length !== start + weightBytes)
    return bad(`${bytes.length - start} bytes of weights where the header says ${weightBytes}`);
  const weights = bytes.slice(start).buffer;
  return {
    ok: true,
    value: { ...header, ...(knowledge ? { knowledge: knowledge as KnowledgeProbe } : {}), weights },
  };
}

/** The final, weights-only checkpoint a base file stands for. */
export function checkpointOf(base: BaseFile): Checkpoint {
  return {
    stageId: base.stageId,
    backend: base.backend,
    step: base.totalSteps,
    totalSteps: base.totalSteps,
    weights: base.weights,
    lossCurve: base.lossCurve,
  };
}
