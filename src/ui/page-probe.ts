// The page's own backend report without tfjs: tfjs stays in the workers, so no URL or flag of the page reaches it.
import { simd, threads } from 'wasm-feature-detect';
import { describeBackends } from '../engine/capabilities';
import type { BackendName, BackendReport } from '../engine/api';

/** The same tests tfjs's wasm flags run (they come from this library), done in the page. */
export function probePage(override: BackendName | 'auto'): Promise<BackendReport> {
  return describeBackends('page', override, { simd, threads });
}
