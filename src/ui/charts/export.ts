// Saving what the page shows: a chart as SVG or PNG, results as CSV or JSON, all as local downloads.

export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** What a saved chart carries besides the figure, so a slide or a file says where it came from. */
export interface ChartMeta {
  title: string;
  caption: string;
  /** The experiment's share link. */
  link: string;
  /** When it was saved (YYYY-MM-DD). */
  date: string;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const HEAD = 30;
const LINE = 16;

/** Breaks text into lines of at most `max` characters, at spaces where it can (a link has none). */
export function wrapText(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    for (let w = word; w.length;) {
      const room = max - (line ? line.length + 1 : 0);
      if (w.length <= room) {
        line = line ? `${line} ${w}` : w;
        w = '';
      } else if (line) {
        lines.push(line);
        line = '';
      } else {
        lines.push(w.slice(0, max));
        w = w.slice(max);
      }
    }
  }
  if (line) lines.push(line);
  return lines;
}

function text(doc: Document, x: number, y: number, content: string, size: number, bold = false) {
  const t = doc.createElementNS(SVG_NS, 'text');
  t.setAttribute('x', String(x));
  t.setAttribute('y', String(y));
  t.setAttribute('font-size', String(size));
  t.setAttribute('fill', '#14213d');
  if (bold) t.setAttribute('font-weight', '700');
  t.textContent = content;
  return t;
}

/**
 * A standalone SVG document: charts draw with attributes, not page CSS, so the file looks the same.
 * With `meta`, the title goes above the figure and the caption, link and date below it.
 */
function standalone(svg: SVGSVGElement, meta?: ChartMeta) {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', SVG_NS);
  copy.querySelectorAll('[data-export="skip"]').forEach((n) => n.remove());
  const { width } = svg.viewBox.baseVal;
  let { height } = svg.viewBox.baseVal;
  if (meta) {
    const perLine = Math.floor(width / 6.5);
    const link = wrapText(meta.link, perLine);
    const foot = [
      ...wrapText(meta.caption, perLine),
      ...(link.length > 6 ? [...link.slice(0, 5), `${link[5].slice(0, -1)}…`] : link),
      `Saved ${meta.date} from LIMA Lab.`,
    ];
    const figure = copy.ownerDocument.createElementNS(SVG_NS, 'g');
    figure.setAttribute('transform', `translate(0 ${HEAD})`);
    figure.append(...copy.childNodes);
    const paper = copy.ownerDocument.createElementNS(SVG_NS, 'rect');
    const total = HEAD + height + LINE * foot.length + 10;
    paper.setAttribute('width', String(width));
    paper.setAttribute('height', String(total));
    paper.setAttribute('fill', '#ffffff');
    copy.append(paper, text(copy.ownerDocument, 12, 21, meta.title, 17, true), figure);
    foot.forEach((l, i) =>
      copy.append(text(copy.ownerDocument, 12, HEAD + height + LINE * (i + 1), l, 11)),
    );
    height = total;
    copy.setAttribute('viewBox', `0 0 ${width} ${height}`);
  }
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}`;
  return { body, width, height };
}

export function svgText(svg: SVGSVGElement, meta?: ChartMeta): string {
  return standalone(svg, meta).body;
}

export function saveSvg(svg: SVGSVGElement, name: string, meta?: ChartMeta): void {
  download(`${name}.svg`, new Blob([svgText(svg, meta)], { type: 'image/svg+xml' }));
}

/** Renders the SVG at `scale`× its view box on a white canvas (slides want a background). */
export async function pngBlob(svg: SVGSVGElement, scale = 2, meta?: ChartMeta): Promise<Blob> {
  const { body, width, height } = standalone(svg, meta);
  const url = URL.createObjectURL(new Blob([body], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas in this browser');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))),
        'image/png',
      ),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function savePng(svg: SVGSVGElement, name: string, meta?: ChartMeta): Promise<void> {
  download(`${name}.png`, await pngBlob(svg, 2, meta));
}

/** RFC 4180 CSV: fields with commas, quotes or line breaks are quoted, quotes doubled. */
export function toCsv(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return (
    [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n'
  );
}
