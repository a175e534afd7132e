// Base models that ship with the app: a plan's pretraining found in the app's assets goes into the cache, not through a CPU.
import * as v from 'valibot';
import { bytesHash } from '../util/hash';
import { checkpointOf, decodeBaseFile, encodeBaseFile } from '../store/base-file';
import { Store } from '../store/store';
import { classifyStages } from './cache';
import type { SweepPlan } from './plan';

/** Where the shipped bases live, relative to the app's base URL. */
export const BASES_DIR = 'bases';

const Entry = v.object({
  stageId: v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/)),
  file: v.pipe(v.string(), v.regex(/^[0-9a-f]{16}\.lbase$/)),
  bytes: v.pipe(v.number(), v.integer(), v.minValue(1)),
  sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  /** The presets whose pretraining this is, when it was made. */
  presets: v.array(v.string()),
  /** The spec that made it, as a share link. */
  link: v.string(),
  /** How long its pretraining took on the machine that made it (the cache shows this). */
  ms: v.pipe(v.number(), v.minValue(0)),
  tokensPerSec: v.pipe(v.number(), v.minValue(0)),
});
export const ShippedManifest = v.object({ version: v.literal(1), bases: v.array(Entry) });
export type ShippedEntry = v.InferOutput<typeof Entry>;

/** Reads a file of the app's assets: its bytes, or null where there is none. */
export type AssetSource = (path: string) => Promise<Uint8Array | null>;

/** The page's own assets, under Vite's base URL. */
export const pageAssets: AssetSource = async (path) => {
  if (typeof location === 'undefined') return null; // no page: nothing is shipped
  const res = await fetch(new URL(`${import.meta.env.BASE_URL}${path}`, location.href));
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
};

/**
 * Each source's manifest, read once: a build's assets do not change while its page is open. A
 * failed read is forgotten, so the next sweep tries again (the network may be back).
 */
const manifests = new WeakMap<AssetSource, Promise<ShippedEntry[]>>();

/** The bases an asset source ships; an unreadable list throws, saying why. */
function shippedEntries(assets: AssetSource): Promise<ShippedEntry[]> {
  let m = manifests.get(assets);
  if (!m) {
    m = (async () => {
      const raw = await assets(`${BASES_DIR}/manifest.json`);
      if (!raw) return [];
      const parsed = v.safeParse(ShippedManifest, JSON.parse(new TextDecoder().decode(raw)));
      if (!parsed.success) throw new Error(parsed.issues.map((i) => i.message).join('; '));
      return parsed.output.bases;
    })();
    m.catch(() => manifests.delete(assets));
    manifests.set(assets, m);
  }
  return m;
}

/**
 * The stage ids of the base models the app ships, for estimates made before any run (a start
 * loads these rather than computes them); none where the list cannot be read (a start says why).
 */
export async function shippedBaseIds(assets: AssetSource = pageAssets): Promise<string[]> {
  return (await shippedEntries(assets).catch(() => [])).map((e) => e.stageId);
}

/**
 * Puts the shipped bases of a plan's pretraining stages into the store, where the store lacks their
 * result or their final weights. Only a sweep that starts calls it, so opening the app writes nothing. Never
 * fails a sweep: a base that cannot be read is pretrained here as before, with a warning. Returns
 * what to tell the user.
 */
export async function seedShippedBases(
  plan: SweepPlan,
  store: Store,
  assets: AssetSource,
): Promise<{ loaded: string[]; warnings: string[] }> {
  const out = { loaded: [] as string[], warnings: [] as string[] };
  // The pretraining the sweep would compute: its result is missing, or its weights are and a
  // stage still to compute needs them.
  const statuses = await classifyStages(plan, store);
  const wanted = plan.stages
    .filter((s) => s.stage === 'pretrain' && statuses.get(s.stageId) === 'queued')
    .map((s) => s.stageId);
  if (wanted.length === 0) return out;
  let entries: ShippedEntry[];
  try {
    entries = await shippedEntries(assets);
  } catch (e) {
    out.warnings.push(
      `the list of shipped base models could not be read (${(e as Error).message})`,
    );
    return out;
  }
  for (const id of wanted) {
    const entry = entries.find((e) => e.stageId === id);
    if (!entry) continue;
    const why = await seedOne(entry, store, assets);
    if (why) out.warnings.push(`the shipped base ${id.slice(0, 8)} ${why}: it is pretrained here`);
    else out.loaded.push(id);
  }
  return out;
}

async function seedOne(
  entry: ShippedEntry,
  store: Store,
  assets: AssetSource,
): Promise<string | null> {
  let bytes: Uint8Array | null;
  try {
    bytes = await assets(`${BASES_DIR}/${entry.file}`);
  } catch (e) {
    return `could not be fetched (${(e as Error).message})`;
  }
  if (!bytes) return 'is missing from the app';
  if (bytesHash(bytes, 64) !== entry.sha256) return 'is damaged (its checksum does not match)';
  const base = decodeBaseFile(bytes, entry.stageId);
  if (!base.ok) return `is unreadable (${base.error})`;
  const b = base.value;
  // Weights first, then the result, as the executor writes a stage it computed.
  if (!(await store.putCheckpoint('pretrain', 'final', checkpointOf(b))))
    return 'does not fit in storage';
  if (!(await store.hasStage(b.stageId)))
    await store.putStage({
      stageId: b.stageId,
      stage: 'pretrain',
      backend: b.backend,
      lossCurve: b.lossCurve,
      ms: entry.ms,
      tokensPerSec: entry.tokensPerSec,
      ...(b.knowledge ? { knowledge: b.knowledge } : {}),
      finishedAt: Date.now(),
    });
  return null;
}

/**
 * A computed pretraining stage as a base file, with what the manifest says of it: how `npm run
 * ship-bases` writes the app's assets from the cache its lab run filled.
 */
export async function exportBase(
  stageId: string,
  store?: Store,
): Promise<{ bytes: Uint8Array; ms: number; tokensPerSec: number }> {
  store ??= await Store.open();
  const rec = await store.getStage(stageId);
  const ckpt = await store.getCheckpoint(stageId);
  if (rec?.stage !== 'pretrain' || ckpt?.kind !== 'final')
    throw new Error(`pretraining ${stageId} is not in the cache with its final weights`);
  if (rec.diverged) throw new Error(`pretraining ${stageId} diverged: not worth shipping`);
  const bytes = encodeBaseFile({
    stageId,
    backend: rec.backend,
    totalSteps: ckpt.checkpoint.totalSteps,
    lossCurve: rec.lossCurve,
    ...(rec.knowledge ? { knowledge: rec.knowledge } : {}),
    weights: ckpt.checkpoint.weights,
  });
  return { bytes, ms: rec.ms, tokensPerSec: rec.tokensPerSec };
}
