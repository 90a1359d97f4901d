// Tiny helpers for writing SVG and HTML by hand: escaping, elements from attribute objects,
// number formatting and a sequential colour scale. No DOM, no dependencies.

export type Attrs = Record<string, string | number | undefined | null>;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A number as an attribute value: at most 2 decimals, no trailing zeros. */
export function num(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** `<name a="1">children</name>`, or `<name a="1"/>` with no children; undefined/null attributes are left out. */
export function el(name: string, attrs: Attrs = {}, children?: string | string[]): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v as string)}"`)
    .join('');
  if (children === undefined) return `<${name}${a}/>`;
  return `<${name}${a}>${Array.isArray(children) ? children.join('') : children}</${name}>`;
}

/** Text content (escaped). */
export function text(x: number, y: number, content: string, attrs: Attrs = {}): string {
  return el('text', { x, y, ...attrs }, escapeXml(content));
}

/** An SVG element inline in HTML (the HTML parser gives it the SVG namespace, so it needs no
 * xmlns and the page holds no URL at all), with a viewBox, an accessible title and a class. */
export function svg(width: number, height: number, title: string, children: string[], cls = 'chart'): string {
  return el('svg', {
    class: cls, width, height, viewBox: `0 0 ${num(width)} ${num(height)}`, role: 'img', 'aria-label': title,
  }, [el('title', {}, escapeXml(title)), ...children]);
}

/** Percentage with `digits` decimals, e.g. 97.33%. */
export function percent(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : '-';
}

/** Bytes with thousands separators. */
export function bytes(n: number): string {
  return `${n.toLocaleString('en-US')} B`;
}

const LOW = [247, 251, 255];   // near white
const HIGH = [8, 48, 107];     // dark blue

/** A colour from near white (t = 0) to dark blue (t = 1), as #rrggbb. */
export function blues(t: number): string {
  const c = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  return `#${LOW.map((lo, i) => Math.round(lo + (HIGH[i] - lo) * c).toString(16).padStart(2, '0')).join('')}`;
}

/** Whether text on blues(t) should be white. */
export function darkBackground(t: number): boolean {
  return t > 0.5;
}

/** Shortens a label to `max` characters with an ellipsis. */
export function clip(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}
