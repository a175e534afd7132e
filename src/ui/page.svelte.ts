// The page's state around the experiment: the runner once loaded, the backend reports, the imports the experiment lacks, a sweep a closed tab left, and the cache shown for the experiment on screen.
import { untrack } from 'svelte';
import { encodeSpec, type ImportNeed, type Spec } from '../spec';
import type { Shard } from '../runner/types';
import type { BackendReport } from '../engine/api';
import { probeWorker } from '../runner/workers/start';
import { probePage } from './page-probe';
import { missingIn } from './imports';
import { Sweep } from './sweep.svelte';
import type { Lab } from './lab.svelte';

export class PageState {
  sweep = $state<Sweep | null>(null);
  /** The sweep a closed or reloaded tab was running, until it is resumed or dismissed. */
  interrupted = $state.raw<{ spec: Spec; shard: Shard | null } | null>(null);
  /** The engine worker's report and the page's own, once probed. */
  reports: BackendReport[] = $state([]);
  probeError: string | null = $state(null);
  /** Imported files the experiment names that this browser lacks (e.g. it came in someone's link). */
  missing: ImportNeed[] = $state.raw([]);
  /** Stage ids of the base models the app ships (a run loads them): estimates leave them out. */
  shipped: readonly string[] = $state.raw([]);
  /** Resolves once the runner is loaded. */
  readonly ready: Promise<Sweep>;

  /** Create it while a component initialises: its effects follow the experiment on screen. */
  constructor(private readonly lab: Lab) {
    // The runner (and the engine worker, where tfjs lives) loads after the first paint; cached
    // results show as soon as it is up.
    this.ready = import('../runner/runner').then((m) => {
      const runner = m.getRunner();
      void runner.interrupted().then((i) => (this.interrupted = i));
      void m.shippedBaseIds().then((ids) => (this.shipped = ids));
      return (this.sweep = new Sweep(runner));
    });
    $effect(() => {
      const spec = lab.spec;
      void lab.importsRevision;
      missingIn(spec).then(
        (m) => (this.missing = m),
        () => (this.missing = []),
      );
    });
    // A different experiment (or a sweep that just ended while another was being edited): show
    // what the cache holds for the one on screen. `active` only notifies when it flips.
    const active = $derived(this.sweep?.active ?? false);
    $effect(() => {
      const spec = lab.spec;
      const shard = lab.shard;
      const s = this.sweep;
      if (!s || active) return;
      untrack(() => {
        const shown = s.state.spec ? encodeSpec(s.state.spec) : null;
        const sameShard = JSON.stringify(s.state.shard) === JSON.stringify(shard);
        if (shown !== encodeSpec(spec) || !sameShard) void s.loadCached(spec, shard);
      });
    });
  }

  /** Probes the page and the engine worker for the experiment's backend. */
  async probe(): Promise<void> {
    try {
      const page = await probePage(this.lab.spec.backend);
      const worker = await probeWorker().probe(this.lab.spec.backend);
      this.reports = [worker, page];
    } catch (e) {
      this.probeError = `Could not probe the backends: ${(e as Error).message}`;
    }
  }

  /** The engine worker's report, once probed. */
  get worker(): BackendReport | undefined {
    return this.reports.find((r) => r.context === 'worker');
  }

  /**
   * The interrupted sweep is the one on screen: the run view's own Resume is then the one control
   * for it, and the banner stays on the other views.
   */
  get interruptedHere(): boolean {
    const i = this.interrupted;
    return (
      !!i &&
      encodeSpec(i.spec) === encodeSpec(this.lab.spec) &&
      JSON.stringify(i.shard) === JSON.stringify(this.lab.shard)
    );
  }
}
