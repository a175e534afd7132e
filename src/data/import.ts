// Bring your own data: a plain-text pretraining corpus, and LIMA-format JSONL conversations for fine-tuning.
import { IMPORT_LIMITS, type Result } from '../spec';
import type { Conversation, TaskType } from '../world/types';

/** At most this many error lines are reported; the rest are counted. */
const MAX_ERRORS = 20;

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Documents are separated by blank lines; line breaks inside a document are kept. Errors name the
 * line where a document over the bound starts; nothing is returned unless the whole file is fine.
 */
export function parseCorpus(text: string, name: string): Result<string[]> {
  const body = stripBom(text).replace(/\r\n?/g, '\n');
  if (body.length > IMPORT_LIMITS.corpusChars) {
    return {
      ok: false,
      errors: [
        `${name}: ${mb(body.length)} of text is over the ${mb(IMPORT_LIMITS.corpusChars)} limit`,
      ],
    };
  }
  const docs: { text: string; line: number }[] = [];
  let current: string[] = [];
  let startLine = 0;
  const flush = () => {
    if (current.length > 0) docs.push({ text: current.join('\n').trim(), line: startLine });
    current = [];
  };
  body.split('\n').forEach((line, i) => {
    if (line.trim() === '') return flush();
    if (current.length === 0) startLine = i + 1;
    current.push(line);
  });
  flush();
  if (docs.length === 0) return { ok: false, errors: [`${name}: the file has no text`] };
  if (docs.length > IMPORT_LIMITS.corpusDocuments) {
    return {
      ok: false,
      errors: [
        `${name}: ${docs.length} documents is over the ${IMPORT_LIMITS.corpusDocuments} limit`,
      ],
    };
  }
  const errors = docs
    .filter((d) => d.text.length > IMPORT_LIMITS.documentChars)
    .map(
      (d) =>
        `line ${d.line}: document of ${d.text.length} characters is over the ${IMPORT_LIMITS.documentChars} limit`,
    );
  return errors.length > 0
    ? { ok: false, errors: capped(errors) }
    : { ok: true, value: docs.map((d) => d.text) };
}

function capped(errors: string[]): string[] {
  if (errors.length <= MAX_ERRORS) return errors;
  return [...errors.slice(0, MAX_ERRORS), `… and ${errors.length - MAX_ERRORS} more errors`];
}

/** A label for charts only: imported data has no task types, so guess from the first user turn. */
function guessTask(turns: readonly string[]): TaskType {
  if (turns.length > 2) return 'dialogue';
  const q = turns[0].trim().toLowerCase();
  if (/^(how (do|can|should|to)|what are the steps)\b/.test(q)) return 'howto';
  if (/^(is|was|are|were|does|did|do|can|has|have)\b/.test(q)) return 'verify';
  if (/^(tell me about|who is|describe)\b/.test(q)) return 'profile';
  return 'fact';
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`;
}

function parseLine(raw: string, name: string): Conversation | string {
  let obj: unknown;
  try {
    obj = JSON.parse(raw);
  } catch (e) {
    return `bad JSON (${(e as Error).message.replace(/^JSON\.parse: /, '')})`;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return `expected an object with "conversations", got ${describe(obj)}`;
  }
  const rec = obj as Record<string, unknown>;
  const conv = rec.conversations;
  if (conv === undefined) return 'missing field "conversations"';
  if (!Array.isArray(conv))
    return `"conversations" must be an array of strings, got ${describe(conv)}`;
  if (conv.length === 0) return '"conversations" is empty';
  for (let i = 0; i < conv.length; i++) {
    if (typeof conv[i] !== 'string')
      return `turn ${i + 1} must be a string, got ${describe(conv[i])}`;
    if ((conv[i] as string).trim() === '') return `turn ${i + 1} is empty`;
    if ((conv[i] as string).length > IMPORT_LIMITS.turnChars) {
      return `turn ${i + 1} has ${(conv[i] as string).length} characters, over the ${IMPORT_LIMITS.turnChars} limit`;
    }
  }
  if (conv.length % 2 !== 0)
    return `odd number of turns (${conv.length}): every user turn needs an assistant turn`;
  if (conv.length > IMPORT_LIMITS.turns)
    return `${conv.length} turns is over the ${IMPORT_LIMITS.turns} limit`;
  if (rec.source !== undefined && typeof rec.source !== 'string')
    return `"source" must be a string, got ${describe(rec.source)}`;
  const turns = conv as string[];
  return {
    turns,
    task: guessTask(turns),
    source: typeof rec.source === 'string' ? `${name}/${rec.source}` : name,
  };
}

/**
 * LIMA's JSONL: one `{"conversations": [user, assistant, ...], "source"?: string}` per line; blank
 * lines are skipped. Every problem is reported as "line N: reason", and any error rejects the whole
 * file, so nothing is half-imported.
 */
export function parseJsonl(text: string, name: string): Result<Conversation[]> {
  const body = stripBom(text);
  if (body.length > IMPORT_LIMITS.jsonlChars) {
    return {
      ok: false,
      errors: [`${name}: ${mb(body.length)} is over the ${mb(IMPORT_LIMITS.jsonlChars)} limit`],
    };
  }
  const out: Conversation[] = [];
  const errors: string[] = [];
  const lines = body.split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const r = parseLine(raw, name);
    if (typeof r === 'string') errors.push(`line ${i + 1}: ${r}`);
    else out.push(r);
  });
  if (out.length + errors.length > IMPORT_LIMITS.conversations) {
    errors.push(
      `${name}: ${out.length + errors.length} conversations is over the ${IMPORT_LIMITS.conversations} limit`,
    );
  }
  if (errors.length > 0) return { ok: false, errors: capped(errors) };
  if (out.length === 0) return { ok: false, errors: [`${name}: the file has no conversations`] };
  return { ok: true, value: out };
}
