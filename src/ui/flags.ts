// Workshop flags: which tabs, editor sections and fields a link hides (like TensorFlow Playground's _hide).
import { FIELDS } from '../spec';
import { VIEW_TITLES, VIEWS, type View } from './link';

/** Editor sections in the order shown, with their titles. */
export const SECTION_TITLES: Record<string, string> = {
  experiment: 'Experiment',
  world: 'World',
  data: 'Data',
  model: 'Model',
  pretrain: 'Pretraining',
  finetune: 'Fine-tuning',
  optimizer: 'Optimizer (AdamW)',
  eval: 'Evaluation',
  sweep: 'Sweep',
};

/** What `hide=advanced` removes: everything a first-time participant need not touch. */
export const ADVANCED = ['experiment', 'model', 'pretrain', 'optimizer', 'eval'] as const;

/** Names a `hide=` list may hold besides sections and field paths: every view but the start page, and parts of views. */
export const HIDEABLE_PARTS = [
  'advanced',
  ...VIEWS.filter((v) => v !== 'start'),
  'gallery',
  'share',
] as const;

/** Every name a `hide=` list understands; anything else is reported, not silently ignored. */
export function unknownHideNames(hide: readonly string[]): string[] {
  const known = new Set<string>([
    ...HIDEABLE_PARTS,
    ...Object.keys(SECTION_TITLES),
    ...FIELDS.map((f) => f.path),
  ]);
  return hide.filter((h) => !known.has(h));
}

/** Whether a tab, section or field path is hidden by the flags (a field hides with its section). */
export function isHidden(hide: readonly string[], key: string): boolean {
  if (hide.includes(key)) return true;
  const section = key.includes('.') ? key.split('.')[0] : key;
  const field = FIELDS.find((f) => f.path === key);
  const sectionOf = field?.section ?? section;
  if (hide.includes(sectionOf)) return true;
  return hide.includes('advanced') && (ADVANCED as readonly string[]).includes(sectionOf);
}

/**
 * What a hide name is called on screen: a tab by its header name, a section by its title in the
 * editor (the editor's "Experiment" section and the "Experiment" tab differ by the word after).
 */
export function hideTitle(name: string): string {
  if (name === 'advanced')
    return 'Advanced settings (experiment, model, pretraining, optimizer, evaluation)';
  if (name === 'gallery') return 'Preset gallery';
  if (name === 'share') return 'Share button';
  if ((VIEWS as readonly string[]).includes(name)) return `${VIEW_TITLES[name as View]} tab`;
  const section = SECTION_TITLES[name];
  return section ? `${section} settings` : name;
}
