// The imported files a sweep still needs: found in the store and handed to the engine before any stage starts.
import type { ImportFile } from '../engine/api';
import { importsUsed, MissingImportError, type ImportNeed } from '../spec';
import type { Store } from '../store/store';
import type { SweepPlan } from './plan';

/** Imports read by the stages still to compute, each once; stages the cache holds need none. */
export function neededImports(
  plan: Pick<SweepPlan, 'stages'>,
  statuses: ReadonlyMap<string, 'cached' | 'queued'>,
): ImportNeed[] {
  const out = new Map<string, ImportNeed>();
  for (const s of plan.stages) {
    if (statuses.get(s.stageId) === 'cached') continue;
    for (const n of importsUsed(s.spec, s.stage)) out.set(`${n.kind}:${n.ref.hash}`, n);
  }
  return [...out.values()];
}

/** The texts of the needed imports; throws MissingImportError naming every file that is not here. */
export async function loadImports(store: Store, needs: ImportNeed[]): Promise<ImportFile[]> {
  const files: ImportFile[] = [];
  const missing: ImportNeed[] = [];
  for (const n of needs) {
    const rec = await store.getImport(n.ref.hash);
    if (rec) files.push({ kind: n.kind, hash: n.ref.hash, name: rec.name, text: rec.text });
    else missing.push(n);
  }
  if (missing.length) throw new MissingImportError(missing);
  return files;
}
