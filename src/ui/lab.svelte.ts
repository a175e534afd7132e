// The page's state: the experiment, the view and the workshop flags, kept in step with the URL fragment.
import {
  DEFAULT_PRESET,
  encodeSpec,
  expandSweep,
  parseSpec,
  presetSpec,
  type ImportKind,
  type ImportRef,
  type Spec,
} from '../spec';
import type { LinkSummary, Shard } from '../runner/types';
import { decodeLinkSummary } from '../runner/link';
import { isHidden, unknownHideNames } from './flags';
import { LESSONS, lessonSpec } from './lessons';
import { linkHash, readLink, shareUrl, type View } from './link';

export class Lab {
  spec: Spec = $state.raw(presetSpec(DEFAULT_PRESET));
  view: View = $state('start');
  /** Problems with the link the page was opened with; the app stays usable on the default experiment. */
  linkErrors: string[] | null = $state(null);
  hide: string[] = $state.raw([]);
  shard: Shard | null = $state.raw(null);
  lesson: number | null = $state(null);
  /** The sharer's results summary payload and what it decodes to; dropped as soon as the spec changes. */
  results: string | null = $state(null);
  reference: LinkSummary | null = $state.raw(null);
  /** Bumped whenever the spec is replaced from outside the editor (preset, lesson, link). */
  revision = $state(0);
  /** Bumped when an imported file is stored or deleted, so views re-check what the spec lacks. */
  importsRevision = $state(0);

  constructor(hash: string) {
    this.read(hash);
  }

  /** Adopts the page state a fragment describes (on load, and when the user edits the address bar). */
  read(hash: string): void {
    const link = readLink(hash);
    const unknown = unknownHideNames(link.hide);
    const errors = [...(link.error ?? [])];
    if (unknown.length)
      errors.push(`hide: unknown names ${unknown.map((u) => `"${u}"`).join(', ')}`);
    // `#lesson=3` alone opens that step's experiment; with `s=` the link's own experiment wins.
    const lesson = link.lesson === null ? undefined : LESSONS[link.lesson - 1];
    if (link.lesson !== null && !lesson) errors.push(`there is no lesson ${link.lesson}`);
    this.spec = lesson && !link.fromLink ? lessonSpec(lesson) : link.spec;
    this.view = link.view;
    this.hide = link.hide;
    this.shard = link.shard;
    this.lesson = lesson ? link.lesson : null;
    this.results = null;
    this.reference = null;
    if (link.results) {
      const r = decodeLinkSummary(link.results);
      if (r.ok) {
        this.results = link.results;
        this.reference = r.value;
        // Shared results land beside a Run button, whatever view the sharer was on.
        if (!isHidden(this.hide, 'results')) this.view = 'results';
      } else errors.push(...r.errors.map((e) => `shared results: ${e}`));
    }
    this.linkErrors = errors.length ? errors : null;
    this.revision++;
  }

  /** The editor's valid spec: the URL follows it; shared results no longer apply to a changed spec. */
  setSpec(spec: Spec, fromOutside = false): void {
    if (encodeSpec(spec) !== encodeSpec(this.spec)) {
      this.results = null;
      this.reference = null;
    }
    this.spec = spec;
    if (fromOutside) this.revision++;
    this.sync();
  }

  /**
   * Points the experiment at an imported file, or back at the world's data (null). The whole spec
   * is validated as the editor would; returns what is wrong, or null when it took effect.
   */
  useImport(kind: ImportKind, ref: ImportRef | null): string[] | null {
    const key = kind === 'corpus' ? 'importedCorpus' : 'importedSft';
    const data: Record<string, unknown> = { ...this.spec.data };
    if (ref) data[key] = ref;
    else delete data[key];
    const parsed = parseSpec({ ...this.spec, data });
    if (!parsed.ok) return parsed.errors;
    const runs = expandSweep(parsed.value);
    if (!runs.ok) return runs.errors;
    this.setSpec(parsed.value, true);
    return null;
  }

  go(view: View): void {
    this.view = view;
    this.sync();
  }

  setShard(shard: Shard | null): void {
    this.shard = shard;
    this.sync();
  }

  setLesson(lesson: number | null): void {
    this.lesson = lesson;
    this.sync();
  }

  hidden(key: string): boolean {
    return isHidden(this.hide, key);
  }

  /** The URL of this page state, optionally carrying a results summary payload. */
  url(results: string | null = null): string {
    return shareUrl({ ...this.parts(), results }, location.href);
  }

  private parts() {
    return {
      spec: this.spec,
      view: this.view,
      hide: this.hide,
      shard: this.shard,
      lesson: this.lesson,
      results: this.results,
    };
  }

  /** replaceState, not pushState: editing a field must not fill the back button's history. */
  private sync(): void {
    const hash = linkHash(this.parts());
    history.replaceState(null, '', hash || location.pathname + location.search);
  }
}
