// Checkpoint buffers leave the worker by transfer, not by copy (a 7b-proxy checkpoint is ~0.5 GB).
import { describe, expect, it } from 'vitest';
import { expose, wrap } from 'comlink';
import { withTransfers } from '../../src/engine/transfer';

describe('withTransfers', () => {
  it('moves a returned checkpoint’s buffers through a real MessageChannel and leaves other results (or none) alone', async () => {
    const weights = new ArrayBuffer(1024);
    const optimizer = new ArrayBuffer(2048);
    const plain = new ArrayBuffer(16);
    const api = {
      train: () => ({ checkpoint: { stageId: 'x', weights, optimizer }, lossCurve: [] }),
      other: () => ({ data: plain }),
      nothing: () => undefined,
    };
    const { port1, port2 } = new MessageChannel();
    expose(withTransfers(api), port1);
    const remote = wrap<typeof api>(port2);
    const r = await remote.train();
    expect(r.checkpoint.weights.byteLength).toBe(1024);
    expect(r.checkpoint.optimizer.byteLength).toBe(2048);
    // Detached on the sending side: moved, not copied.
    expect(weights.byteLength).toBe(0);
    expect(optimizer.byteLength).toBe(0);
    const o = await remote.other();
    expect(o.data.byteLength).toBe(16);
    expect(plain.byteLength).toBe(16);
    // A method that returns nothing (e.g. `pin`) crosses too.
    expect(await remote.nothing()).toBeUndefined();
    port1.close();
    port2.close();
  });
});
