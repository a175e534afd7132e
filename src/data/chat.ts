// LIMA's chat format (user/assistant tags, a new end-of-turn token) and the plain-text URIAL template.
import { NO_STOP, type Conversation } from '../world/types';
import { SPECIAL_NAMES, type Tokenizer } from './tokenizer';

export type AlignMethod = 'sft' | 'zero-shot' | 'few-shot';

/**
 * How turns are marked. 'text' (LIMA): plain-text "User:" / "Assistant:" turns and one new token,
 * EOT, that ends each assistant turn. 'qa': the same, but the turns are marked the way the world's
 * web text marks questions and answers ("Q:" / "A:"), so the chat reuses a form pretraining has
 * already tied to looking facts up. 'special': a new token for each role as well. Turn text never
 * holds a special token, and every text piece is encoded with the tokenizer's dummy prefix, so a
 * name in a reply is the same tokens as in the question.
 */
export type ChatTemplate = 'text' | 'qa' | 'special';

/** The text that opens a user turn and hands over to the assistant, per text template. */
const TAGS = { text: ['User:', 'Assistant:'], qa: ['Q:', 'A:'] } as const;

/** A run of text (encoded with the tokenizer's dummy prefix) or one special token. */
type Part = string | { special: 'bos' | 'user' | 'assistant' | 'eot' };

/** The pieces of one chat, in order, each with the loss it carries (before truncation). */
function chatPieces(
  turns: readonly string[],
  template: ChatTemplate,
  lossOn: 'assistant' | 'all',
): { parts: Part[]; loss: 0 | 1 }[] {
  const all = lossOn === 'all' ? 1 : 0;
  const out: { parts: Part[]; loss: 0 | 1 }[] = [{ parts: [{ special: 'bos' }], loss: 0 }];
  turns.forEach((text, i) => {
    if (i % 2 === 0) {
      out.push(
        template === 'special'
          ? { parts: [{ special: 'user' }, text, { special: 'assistant' }], loss: all }
          : { parts: [`${TAGS[template][0]} ${text}\n${TAGS[template][1]}`], loss: all },
      );
    } else {
      out.push(
        { parts: [` ${text.trimStart()}`], loss: 1 },
        { parts: [{ special: 'eot' }], loss: 1 },
      );
    }
  });
  return out;
}

const idsOf = (parts: readonly Part[], tok: Tokenizer): number[] =>
  parts.flatMap((p) => (typeof p === 'string' ? tok.encode(p) : [tok.special[p.special]]));

const textOf = (parts: readonly Part[]): string =>
  parts.map((p) => (typeof p === 'string' ? p : `<|${p.special}|>`)).join('');

/**
 * One training example: `<|bos|>User: u\nAssistant: a<|eot|>User: …` ('text'; 'qa' likewise with
 * "Q:" / "A:") or `<|bos|><|user|>u<|assistant|>a<|eot|><|user|>…` ('special'). With lossOn 'assistant' (LIMA) the
 * loss counts on the assistant's words and its EOT — the model must learn to stop — but not on
 * the prompt or the tags the template supplies. Truncated to maxLength like LIMA's 2048.
 */
export function encodeChat(
  conv: Conversation,
  tok: Tokenizer,
  maxLength: number,
  lossOn: 'assistant' | 'all',
  template: ChatTemplate,
): { ids: Int32Array; targetMask: Uint8Array } {
  const ids: number[] = [];
  const mask: number[] = [];
  chatPieces(conv.turns, template, lossOn).forEach((piece, k) => {
    for (const id of idsOf(piece.parts, tok)) {
      ids.push(id);
      mask.push(k === 0 ? 0 : piece.loss); // nothing predicts the first token
    }
  });
  const n = Math.min(ids.length, maxLength);
  return { ids: Int32Array.from(ids.slice(0, n)), targetMask: Uint8Array.from(mask.slice(0, n)) };
}

/** Plain-text turns for a base model that never saw the chat tokens (URIAL, Lin et al. 2023). */
function plainTurns(turns: readonly string[]): string {
  return turns.map((t, i) => (i % 2 === 0 ? `User: ${t}\n` : `Assistant: ${t}\n`)).join('');
}

/**
 * The context a model continues to answer the last user turn. 'sft': the chat template up to and
 * including the assistant's tag, exactly as in training. 'zero-shot' / 'few-shot': `User: …\nAssistant:`
 * after the shots, each shot a finished conversation followed by a blank line. Never cut: the
 * evaluation checks that every prompt and its answer fit the context (`promptFits`).
 */
export function encodePrompt(
  turns: readonly string[],
  tok: Tokenizer,
  method: AlignMethod,
  shots: readonly Conversation[],
  template: ChatTemplate,
): Int32Array {
  return Int32Array.from(idsOf(promptParts(turns, method, shots, template), tok));
}

/** The same context as text, special tokens by name: what the samples view shows the model saw. */
export function promptText(
  turns: readonly string[],
  method: AlignMethod,
  shots: readonly Conversation[],
  template: ChatTemplate,
): string {
  return textOf(promptParts(turns, method, shots, template));
}

function promptParts(
  turns: readonly string[],
  method: AlignMethod,
  shots: readonly Conversation[],
  template: ChatTemplate,
): Part[] {
  if (turns.length % 2 !== 1) throw new Error('encodePrompt: the last turn must be a user turn');
  if (method === 'sft') return chatPieces(turns, template, 'assistant').flatMap((p) => p.parts);
  const context =
    method === 'few-shot' ? shots.map((s) => plainTurns(s.turns) + '\n').join('') : '';
  return [{ special: 'bos' }, context + plainTurns(turns) + 'Assistant:'];
}

/** Tokens that end a response: EOT after SFT; a base model can only end a document (BOS). */
export function stopIds(tok: Tokenizer, method: AlignMethod): number[] {
  return method === 'sft' ? [tok.special.eot] : [tok.special.eot, tok.special.bos];
}

/** Text markers that end a plain-text answer: the next turn, or the blank line between shots. */
const PLAIN_STOPS = ['\nUser:', '\nAssistant:', '\n\n', 'User:'];

/**
 * What the judge sees. The response is cut at the first special-token name (decode renders EOT as
 * "<|eot|>") and, for in-context methods, where the next turn or shot would begin — the base model's
 * way of stopping. Pass `stopped = false` when generation hit the token limit without a stop token:
 * unless a marker cut it, the text then ends with NO_STOP and the judge scores it "never stops".
 */
export function cleanResponse(text: string, method: AlignMethod, stopped = true): string {
  const markers: string[] = [...SPECIAL_NAMES, NO_STOP, ...(method === 'sft' ? [] : PLAIN_STOPS)];
  let cut = -1;
  for (const m of markers) {
    const at = text.indexOf(m);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  const body = (cut >= 0 ? text.slice(0, cut) : text).trim();
  return cut >= 0 || stopped ? body : `${body} ${NO_STOP}`;
}
