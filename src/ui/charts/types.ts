// Data shapes the charts draw: a mean with its 95% interval, grouped into named series.

export interface CiPoint {
  x: number;
  mean: number;
  /** Half-width of the 95% confidence interval (NaN when one score has no spread). */
  ci95: number;
  n: number;
}

export interface CiSeries {
  name: string;
  points: CiPoint[];
  /** The sharer's results, drawn dashed beside the receiver's own. */
  reference?: boolean;
}

export interface CiBar {
  label: string;
  mean: number;
  ci95: number;
  n: number;
  reference?: boolean;
}

export interface Preference {
  label: string;
  win: number;
  tie: number;
  loss: number;
}

export interface Curve {
  name: string;
  /** The legend entry it belongs to (one colour per group, e.g. a size whose seeds share it); its name otherwise. */
  group?: string;
  points: { step: number; value: number }[];
  dashed?: boolean;
}
