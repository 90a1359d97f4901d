// The report's charts, as inline SVG strings: a confusion-matrix heat map, feature-importance
// bars, a feature-importance image (for inputs that are images) and accuracy against package
// size. Each function takes plain numbers and returns one <svg> element.
import { blues, clip, darkBackground, el, escapeXml, num, svg, text } from './svg';

const FONT = 12;

/** confusion[true][predicted]; cells coloured by the share of their row (per-class recall). */
export function confusionHeatmap(confusion: number[][], labels: string[]): string {
  const K = labels.length;
  const cell = Math.max(14, Math.min(44, Math.floor(440 / K)));
  const shown = labels.map((l) => clip(l, 14));
  const longest = Math.max(...shown.map((l) => l.length));
  const rotate = longest > 3;
  const left = 34 + Math.max(3, longest) * 7;
  const top = 30 + (rotate ? Math.max(3, longest) * 5.5 : FONT + 4);
  const width = left + K * cell + 12;
  const height = top + K * cell + 12;
  const parts: string[] = [];
  parts.push(text(left + (K * cell) / 2, 14, 'predicted', { 'text-anchor': 'middle', class: 'axis-title' }));
  parts.push(text(12, top + (K * cell) / 2, 'true', { 'text-anchor': 'middle', class: 'axis-title', transform: `rotate(-90 12 ${num(top + (K * cell) / 2)})` }));
  shown.forEach((label, k) => {
    const x = left + k * cell + cell / 2;
    parts.push(rotate
      ? text(x, top - 6, label, { transform: `rotate(-45 ${num(x)} ${num(top - 6)})`, class: 'tick' })
      : text(x, top - 6, label, { 'text-anchor': 'middle', class: 'tick' }));
    parts.push(text(left - 6, top + k * cell + cell / 2 + 4, label, { 'text-anchor': 'end', class: 'tick' }));
  });
  const fontSize = Math.max(8, Math.min(FONT, Math.floor(cell * 0.36)));
  confusion.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      const share = total ? count / total : 0;
      const x = left + p * cell;
      const y = top + t * cell;
      parts.push(el('rect', {
        x, y, width: cell - 1, height: cell - 1, fill: blues(share), class: t === p ? 'diagonal' : undefined,
      }, el('title', {}, escapeXml(`true ${labels[t]}, predicted ${labels[p]}: ${count} of ${total}`))));
      if (count > 0 && cell >= 16) {
        parts.push(text(x + (cell - 1) / 2, y + (cell - 1) / 2 + fontSize / 3, String(count), {
          'text-anchor': 'middle', 'font-size': fontSize, fill: darkBackground(share) ? '#ffffff' : '#1f2937',
        }));
      }
    });
  });
  return svg(width, height, 'Confusion matrix of the package on the test rows', parts, 'chart heatmap');
}

/** Horizontal bars for the `top` largest values, largest first (values are shares of 1). */
export function importanceBars(names: string[], values: number[], top = 20): string {
  const order = values.map((_, i) => i).sort((a, b) => values[b] - values[a] || a - b).slice(0, top);
  const largest = Math.max(...order.map((i) => values[i]), 1e-12);
  const labelWidth = 16 + Math.max(...order.map((i) => clip(names[i], 18).length)) * 7;
  const barArea = 340;
  const rowHeight = 20;
  const width = labelWidth + barArea + 64;
  const height = order.length * rowHeight + 8;
  const parts: string[] = [];
  order.forEach((i, r) => {
    const y = 4 + r * rowHeight;
    const w = Math.max(1, (values[i] / largest) * barArea);
    parts.push(text(labelWidth - 8, y + 14, clip(names[i], 18), { 'text-anchor': 'end', class: 'tick' }));
    parts.push(el('rect', { x: labelWidth, y: y + 3, width: w, height: rowHeight - 6, class: 'bar' }, el('title', {}, escapeXml(`${names[i]}: ${(100 * values[i]).toFixed(2)}%`))));
    parts.push(text(labelWidth + w + 6, y + 14, `${(100 * values[i]).toFixed(1)}%`, { class: 'value' }));
  });
  return svg(width, height, `Feature importance, top ${order.length}`, parts, 'chart bars');
}

/** Importance per pixel of an H x W x C input (channels summed), as a heat-map image with a scale. */
export function importanceImage(values: number[], shape: [number, number, number]): string {
  const [H, W, C] = shape;
  const pixels = new Float64Array(H * W);
  for (let i = 0; i < values.length; i++) pixels[Math.floor(i / C)] += values[i];
  const largest = Math.max(...pixels, 1e-12);
  const cell = Math.max(3, Math.min(36, Math.floor(288 / Math.max(H, W))));
  const parts: string[] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = pixels[y * W + x];
      parts.push(el('rect', { x: x * cell, y: y * cell, width: cell, height: cell, fill: blues(v / largest) },
        el('title', {}, escapeXml(`row ${y}, column ${x}: ${(100 * v).toFixed(2)}%`))));
    }
  }
  // The scale: 10 steps from 0 to the largest value, below the image.
  const scaleY = H * cell + 12;
  const step = (W * cell) / 10;
  for (let s = 0; s < 10; s++) parts.push(el('rect', { x: s * step, y: scaleY, width: step, height: 10, fill: blues((s + 0.5) / 10) }));
  parts.push(text(0, scaleY + 24, '0', { class: 'tick' }));
  parts.push(text(W * cell, scaleY + 24, `${(100 * largest).toFixed(1)}%`, { 'text-anchor': 'end', class: 'tick' }));
  return svg(Math.max(W * cell, 80), scaleY + 30, `Feature importance as a ${H} x ${W} image`, parts, 'chart image');
}

export interface CurvePoint {
  label: string;
  packageBytes: number;
  floatAccuracy: number;
  quantizedAccuracy: number;
}

/** Accuracy (float and package) against package bytes; a log axis when sizes span > 8x. */
export function sizeCurve(points: CurvePoint[]): string {
  const width = 640, height = 340;
  const m = { left: 58, right: 24, top: 16, bottom: 64 };
  const plotW = width - m.left - m.right, plotH = height - m.top - m.bottom;
  const sizes = points.map((p) => p.packageBytes);
  let lo = Math.min(...sizes), hi = Math.max(...sizes);
  const log = hi / lo > 8;
  if (lo === hi) { lo *= 0.8; hi *= 1.2; }
  const fx = log
    ? (b: number) => m.left + ((Math.log(b) - Math.log(lo / 1.3)) / (Math.log(hi * 1.3) - Math.log(lo / 1.3))) * plotW
    : (b: number) => m.left + ((b - (lo - (hi - lo) * 0.08)) / ((hi - lo) * 1.16)) * plotW;
  const accs = points.flatMap((p) => [p.floatAccuracy, p.quantizedAccuracy]).filter(Number.isFinite).map((a) => 100 * a);
  const yStep = niceStep((100 - Math.min(...accs, 100)) / 5 || 1);
  const yLo = Math.max(0, Math.floor((Math.min(...accs, 100) - yStep / 2) / yStep) * yStep);
  const yHi = 100;
  const fy = (a: number) => m.top + plotH - ((100 * a - yLo) / (yHi - yLo)) * plotH;

  const parts: string[] = [];
  // Grid and axes.
  for (let v = yLo; v <= yHi + 1e-9; v += yStep) {
    const y = fy(v / 100);
    parts.push(el('line', { x1: m.left, x2: width - m.right, y1: y, y2: y, class: 'grid' }));
    parts.push(text(m.left - 6, y + 4, `${num(v)}%`, { 'text-anchor': 'end', class: 'tick' }));
  }
  for (const b of xTicks(lo, hi, log)) {
    const x = fx(b);
    if (x < m.left - 0.5 || x > width - m.right + 0.5) continue;
    parts.push(el('line', { x1: x, x2: x, y1: m.top + plotH, y2: m.top + plotH + 5, class: 'axis' }));
    parts.push(text(x, m.top + plotH + 18, formatBytes(b), { 'text-anchor': 'middle', class: 'tick' }));
  }
  parts.push(el('line', { x1: m.left, x2: width - m.right, y1: m.top + plotH, y2: m.top + plotH, class: 'axis' }));
  parts.push(el('line', { x1: m.left, x2: m.left, y1: m.top, y2: m.top + plotH, class: 'axis' }));
  parts.push(text(m.left + plotW / 2, height - 30, `package size${log ? ' (log scale)' : ''}`, { 'text-anchor': 'middle', class: 'axis-title' }));
  parts.push(text(14, m.top + plotH / 2, 'test accuracy', { 'text-anchor': 'middle', class: 'axis-title', transform: `rotate(-90 14 ${num(m.top + plotH / 2)})` }));

  // Series: the float model (dashed) and the package (solid, labelled).
  const sorted = [...points].sort((a, b) => a.packageBytes - b.packageBytes);
  const line = (key: 'floatAccuracy' | 'quantizedAccuracy') => sorted.map((p) => `${num(fx(p.packageBytes))},${num(fy(p[key]))}`).join(' ');
  // The float series goes on top: where the package agrees exactly, the dashes show on the line.
  parts.push(el('polyline', { points: line('quantizedAccuracy'), class: 'series-package' }));
  parts.push(el('polyline', { points: line('floatAccuracy'), class: 'series-float' }));
  sorted.forEach((p, i) => {
    const x = fx(p.packageBytes), y = fy(p.quantizedAccuracy);
    parts.push(el('circle', { cx: x, cy: y, r: 4.5, class: 'point-package' },
      el('title', {}, escapeXml(`${p.label}: ${formatBytes(p.packageBytes)}, package ${(100 * p.quantizedAccuracy).toFixed(2)}%, float ${(100 * p.floatAccuracy).toFixed(2)}%`))));
    parts.push(el('rect', { x: x - 2, y: fy(p.floatAccuracy) - 2, width: 4, height: 4, class: 'point-float' }));
    parts.push(text(x, y + (i % 2 ? 16 : -9), p.label, { 'text-anchor': 'middle', class: 'point-label' }));
  });
  // Legend.
  const ly = height - 10;
  parts.push(el('line', { x1: m.left, x2: m.left + 24, y1: ly - 4, y2: ly - 4, class: 'series-package' }));
  parts.push(text(m.left + 30, ly, 'package (firmware/core engine)', { class: 'tick' }));
  parts.push(el('line', { x1: m.left + 250, x2: m.left + 274, y1: ly - 4, y2: ly - 4, class: 'series-float' }));
  parts.push(text(m.left + 280, ly, 'float model', { class: 'tick' }));
  return svg(width, height, 'Test accuracy against package size', parts, 'chart curve');
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const s of [1, 2, 5, 10]) if (s * p >= raw) return s * p;
  return 10 * p;
}

function xTicks(lo: number, hi: number, log: boolean): number[] {
  if (!log) {
    const step = niceStep((hi - lo) / 5 || hi / 5);
    const ticks: number[] = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(v);
    return ticks.length ? ticks : [lo];
  }
  const ticks: number[] = [];
  for (let p = 10 ** Math.floor(Math.log10(lo / 1.3)); p <= hi * 1.3; p *= 10) {
    for (const s of [1, 2, 5]) if (s * p >= lo / 1.3 && s * p <= hi * 1.3) ticks.push(s * p);
  }
  return ticks;
}

export function formatBytes(b: number): string {
  if (b < 1000) return `${Math.round(b)} B`;
  if (b < 1e6) return `${num(b / 1000)} kB`;
  return `${num(b / 1e6)} MB`;
}
