// Chart colours: the Okabe–Ito palette (distinguishable with colour-blindness), dark enough on white.
export const SERIES_COLORS = [
  '#0063b1',
  '#c2410c',
  '#047857',
  '#7e22ce',
  '#a16207',
  '#be185d',
  '#0e7490',
  '#374151',
];
export const WIN = '#047857';
export const TIE = '#6b7280';
export const LOSS = '#b91c1c';
export const INK = '#14213d';
export const GRID = '#d5dae1';
export const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif';

export const colorOf = (i: number) => SERIES_COLORS[i % SERIES_COLORS.length];
