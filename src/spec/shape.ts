// Shape checks valibot leaves open: an array where an object or record is expected, a tuple with extra items.
import type * as v from 'valibot';

type Schema = v.BaseSchema<unknown, unknown, v.BaseIssue<unknown>>;
/** The parts of valibot's schema objects this walk reads (stable across valibot 1.x). */
interface Node {
  type: string;
  wrapped?: Node;
  entries?: Record<string, Node>;
  item?: Node;
  items?: Node[];
  value?: Node;
  options?: unknown[];
}

const OBJECTS = new Set(['object', 'strict_object', 'loose_object', 'object_with_rest', 'record']);
const WRAPPERS = new Set(['optional', 'exact_optional', 'nullable', 'nullish', 'non_optional']);
const TUPLES = new Set(['tuple', 'strict_tuple', 'loose_tuple', 'tuple_with_rest']);

const at = (path: string) => path || '(top level)';

function walk(node: Node, input: unknown, path: string, out: string[]): void {
  if (input === undefined || input === null) return;
  if (WRAPPERS.has(node.type) && node.wrapped) return walk(node.wrapped, input, path, out);
  const join = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (OBJECTS.has(node.type)) {
    // valibot's object schemas accept any `typeof 'object'`, so `[]` would read as "all defaults".
    if (Array.isArray(input)) {
      out.push(`${at(path)}: must be an object of settings, not a list`);
      return;
    }
    if (typeof input !== 'object') return;
    const rec = input as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      const child = node.type === 'record' ? node.value : node.entries?.[key];
      if (child && Object.hasOwn(rec, key)) walk(child, rec[key], join(key), out);
    }
  } else if (node.type === 'array' && node.item && Array.isArray(input)) {
    input.forEach((x, i) => walk(node.item as Node, x, join(i), out));
  } else if (TUPLES.has(node.type) && node.items && Array.isArray(input)) {
    const n = node.items.length;
    if (input.length !== n && node.type !== 'tuple_with_rest') {
      out.push(`${at(path)}: must have exactly ${n} items (got ${input.length})`);
      return;
    }
    node.items.forEach((s, i) => walk(s, input[i], join(i), out));
  } else if (node.type === 'union' && Array.isArray(node.options)) {
    const options = node.options as Node[];
    const listy = options.filter((o) => isList(unwrap(o)));
    if (Array.isArray(input) && !listy.length) {
      // Only objects would take a list, and only because valibot's object accepts one.
      if (options.some((o) => OBJECTS.has(unwrap(o).type)))
        out.push(`${at(path)}: must be an object of settings, not a list`);
      return;
    }
    // A union passes when one option of the input's kind fits; otherwise the first one's complaint stands.
    const tries = (Array.isArray(input) ? listy : options).map((o) => {
      const found: string[] = [];
      walk(o, input, path, found);
      return found;
    });
    if (tries.every((t) => t.length)) out.push(...tries[0]);
  }
}

function unwrap(node: Node): Node {
  return WRAPPERS.has(node.type) && node.wrapped ? unwrap(node.wrapped) : node;
}

function isList(node: Node): boolean {
  return node.type === 'array' || TUPLES.has(node.type);
}

/**
 * What is wrong with `input`'s shape that the schema itself would let through: arrays given for
 * objects or records, tuples with missing or extra items. Empty when the shape is right.
 */
export function shapeIssues(schema: Schema, input: unknown): string[] {
  const out: string[] = [];
  walk(schema as unknown as Node, input, '', out);
  return out;
}
