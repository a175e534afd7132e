// The engine pool: lends its items by priority, and never more items than it has.
import { describe, expect, it } from 'vitest';
import { Pool, poolSize } from '../../src/runner/workers/pool';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('pool', () => {
  it('runs at most its size at once, and hands a freed item to the most urgent waiter', async () => {
    const pool = new Pool(['a', 'b']);
    let busy = 0;
    let most = 0;
    const order: number[] = [];
    const job = (priority: number) =>
      pool.use(priority, async () => {
        busy++;
        most = Math.max(most, busy);
        order.push(priority);
        await tick();
        busy--;
      });
    // The first two start at once; the waiters go lowest priority first, not first come.
    await Promise.all([job(5), job(6), job(9), job(7), job(8), job(1)]);
    expect(most).toBe(2);
    expect(order).toEqual([5, 6, 1, 7, 8, 9]);
  });

  it('lets the work a finished job unlocks overtake the waiters that asked before it', async () => {
    const pool = new Pool(['only']);
    const order: string[] = [];
    const run = (name: string, priority: number) =>
      pool.use(priority, async () => {
        order.push(name);
        await tick();
      });
    // Fine-tune 1, then its evaluation (asked only once the fine-tune ended) before fine-tune 2.
    await Promise.all([run('ft1', 2).then(() => run('eval1', 3)), run('ft2', 6)]);
    expect(order).toEqual(['ft1', 'eval1', 'ft2']);
  });

  it('gives the work that follows a job the same item when nobody else waits', async () => {
    const pool = new Pool(['first', 'second']);
    const data = await pool.use(0, async (x) => x);
    expect(await pool.use(1, async (x) => x)).toBe(data);
  });

  it('frees its item when the work throws', async () => {
    const pool = new Pool([1]);
    await expect(pool.use(0, async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(await pool.use(0, async (x) => x)).toBe(1);
  });

  it('sizes to the cores on the CPU backends and to one on a GPU', () => {
    expect(poolSize('wasm', 2)).toBe(2);
    expect(poolSize('cpu', 1)).toBe(1);
    expect(poolSize('wasm', 16)).toBe(4);
    expect(poolSize('wasm', 0)).toBe(1);
    expect(poolSize('webgpu', 8)).toBe(1);
  });
});
