// Dot-path access, deep diff and deep merge of plain JSON objects (spec overrides, sweep axes, links).

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Plain = { [k: string]: unknown };

/** Keys that would reach an object's prototype if merged from untrusted JSON. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

export function isPlainObject(x: unknown): x is Plain {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isPlainObject(cur) || !Object.hasOwn(cur, key)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** A copy of `obj` with `path` set to `value`; intermediate objects are created as needed. */
export function setPath<T>(obj: T, path: string, value: unknown): T {
  const keys = path.split('.');
  const root = structuredClone(obj) as Plain;
  let cur: Plain = root;
  for (const key of keys.slice(0, -1)) {
    if (FORBIDDEN.has(key)) throw new Error(`forbidden key "${key}" in ${path}`);
    if (!isPlainObject(cur[key])) cur[key] = {};
    cur = cur[key] as Plain;
  }
  const last = keys[keys.length - 1];
  if (FORBIDDEN.has(last)) throw new Error(`forbidden key "${last}" in ${path}`);
  cur[last] = value;
  return root as T;
}

/** The parts of `value` that differ from `base` (arrays compare whole); undefined when equal. */
export function deepDiff(value: unknown, base: unknown): unknown {
  if (isPlainObject(value) && isPlainObject(base)) {
    const out: Plain = {};
    for (const key of Object.keys(value)) {
      const d = deepDiff(value[key], base[key]);
      if (d !== undefined) out[key] = d;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return JSON.stringify(value) === JSON.stringify(base) ? undefined : (value as Json);
}

/** `override` laid over `base`: objects merge key by key, anything else replaces. */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) {
    return (override === undefined ? structuredClone(base) : structuredClone(override)) as T;
  }
  const out: Plain = structuredClone(base);
  for (const key of Object.keys(override)) {
    if (FORBIDDEN.has(key)) throw new Error(`forbidden key "${key}"`);
    out[key] = deepMerge(out[key], override[key]);
  }
  return out as T;
}

/** Every leaf path of a plain object, e.g. `finetune.examples`. */
export function leafPaths(obj: unknown, prefix = ''): string[] {
  if (!isPlainObject(obj)) return [prefix];
  return Object.keys(obj).flatMap((k) => leafPaths(obj[k], prefix ? `${prefix}.${k}` : k));
}
