// The small training batch the backend and kernel tests share: seeded ids, a fixed target rule, every fifth target masked.
import type { Batch } from '../../src/train/step';
import { Rng } from '../../src/util/rng';

/** B 4 × T 16 over a 300-token vocabulary. */
export function maskedBatch(): Batch {
  const rng = new Rng(5);
  const ids = Int32Array.from({ length: 4 * 16 }, () => rng.int(0, 299));
  return {
    B: 4,
    T: 16,
    ids,
    targets: ids.map((x) => (x * 3 + 1) % 300),
    weights: Float32Array.from(ids, (_, i) => (i % 5 ? 1 : 0)),
  };
}
