// Moves (not copies) checkpoint buffers across the worker boundary: a 7b-proxy checkpoint is ~0.5 GB.
import { transfer } from 'comlink';
import type { Checkpoint } from './api';

function buffersOf(value: unknown): ArrayBuffer[] {
  const c =
    (value as { checkpoint?: Checkpoint } | null)?.checkpoint ?? (value as Checkpoint | null);
  if (!c || !(c.weights instanceof ArrayBuffer)) return [];
  return c.optimizer ? [c.weights, c.optimizer] : [c.weights];
}

/** Marks a checkpoint (or a result holding one) so comlink transfers its buffers. */
export function moved<T>(value: T): T {
  const buffers = buffersOf(value);
  // comlink keys its transfer list by the value: a method that returns nothing has none to mark.
  return buffers.length ? transfer(value, buffers) : value;
}

/**
 * The engine as the worker exposes it: every result that carries a checkpoint hands its buffers
 * over instead of cloning them (the worker never reads them again).
 */
export function withTransfers<T extends object>(api: T): T {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const member = Reflect.get(target, prop, receiver) as unknown;
      if (typeof member !== 'function') return member;
      return async (...args: unknown[]) =>
        moved(await (member as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}
