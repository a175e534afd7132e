// Which imported files a spec's stages read, and the one message that says a needed file is not here.
import { IMPORT_PATHS, type Spec } from './schema';

export type ImportKind = keyof typeof IMPORT_PATHS;
export type ImportRef = NonNullable<Spec['data']['importedCorpus']>;

/** An imported file a stage needs: what it is used as, and the spec's reference to it. */
export interface ImportNeed {
  kind: ImportKind;
  ref: ImportRef;
}

/**
 * The imports a stage reads. The corpus feeds the data stage (tokenizer) and pretraining (the packed
 * rows are rebuilt from text); conversations feed fine-tuning only, and only when it fine-tunes:
 * in-context methods keep the world's examples. Evaluation always uses the world's judged prompts.
 */
export function importsUsed(
  spec: Spec,
  stage: 'data' | 'pretrain' | 'finetune' | 'eval',
): ImportNeed[] {
  const { importedCorpus, importedSft } = spec.data;
  if ((stage === 'data' || stage === 'pretrain') && importedCorpus)
    return [{ kind: 'corpus', ref: importedCorpus }];
  if (stage === 'finetune' && importedSft && spec.finetune.method === 'sft')
    return [{ kind: 'sft', ref: importedSft }];
  return [];
}

/** Every import a spec names, whether or not its method reads it (for the page's banner). */
export function importsNamed(spec: Spec): ImportNeed[] {
  const out: ImportNeed[] = [];
  if (spec.data.importedCorpus) out.push({ kind: 'corpus', ref: spec.data.importedCorpus });
  if (spec.data.importedSft) out.push({ kind: 'sft', ref: spec.data.importedSft });
  return out;
}

/** `"mine.jsonl" (12 conversations, SHA-256 1a2b3c4d5e6f…)` */
export function describeImport({ kind, ref }: ImportNeed): string {
  const unit = kind === 'corpus' ? 'documents' : 'conversations';
  return `"${ref.name}" (${ref.count} ${unit}, SHA-256 ${ref.hash.slice(0, 12)}…)`;
}

export function missingImportMessage(need: ImportNeed): string {
  const use = need.kind === 'corpus' ? 'pretrains on' : 'fine-tunes on';
  return (
    `This experiment ${use} the imported file ${describeImport(need)}, which is not in this browser. ` +
    `Import that file under Device & data → Your own data (it is checked against the hash ${need.ref.hash}), ` +
    `or switch the experiment back to the world's data.`
  );
}

/** A run cannot start because a file it reads was never imported here (e.g. it came in a shared link). */
export class MissingImportError extends Error {
  constructor(readonly missing: ImportNeed[]) {
    super(missing.map(missingImportMessage).join(' '));
    this.name = 'MissingImportError';
  }
}
