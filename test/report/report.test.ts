// The HTML training report and its hand-written SVG charts: structure, escaping, and a page
// that stands alone (no URL, no script, no external file).
import { describe, expect, it } from 'vitest';
import { confusionHeatmap, formatBytes, importanceBars, importanceImage, niceStep, sizeCurve } from '../../host/report/charts';
import { TrainReportInput, renderTrainReport } from '../../host/report/report';
import { blues, el, escapeXml } from '../../host/report/svg';

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe('svg helpers', () => {
  it('escapes text and attributes, drops absent attributes, rounds numbers', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(el('rect', { x: 1.23456, y: undefined, fill: 'a"b', class: null })).toBe('<rect x="1.23" fill="a&quot;b"/>');
    expect(el('g', {}, ['<a/>', '<b/>'])).toBe('<g><a/><b/></g>');
  });

  it('colour scale from near white to dark blue, clamped', () => {
    expect(blues(0)).toBe('#f7fbff');
    expect(blues(1)).toBe('#08306b');
    expect(blues(-3)).toBe(blues(0));
    expect(blues(NaN)).toBe(blues(0));
    expect(blues(0.5)).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('nice steps and byte labels', () => {
    expect([0.3, 1, 1.5, 3, 7, 12].map(niceStep)).toEqual([0.5, 1, 2, 5, 10, 20]);
    expect([512, 3764, 170108, 2.5e6].map(formatBytes)).toEqual(['512 B', '3.76 kB', '170.11 kB', '2.5 MB']);
  });
});

describe('charts', () => {
  it('confusion heat map: one cell per pair, counts written, diagonal marked, labels escaped', () => {
    const labels = ['cat', 'dog', '<b>'];
    const svg = confusionHeatmap([[5, 1, 0], [0, 6, 0], [2, 0, 4]], labels);
    expect(svg.startsWith('<svg ')).toBe(true);
    expect(count(svg, /<rect /g)).toBe(9);
    expect(count(svg, /class="diagonal"/g)).toBe(3);
    expect(svg).toContain('true dog, predicted dog: 6 of 6');
    expect(svg).toContain('&lt;b&gt;');
    expect(svg).not.toContain('<b>');
    // cells coloured by the share of their row: a perfect row is the darkest colour
    expect(svg).toMatch(new RegExp(`class="diagonal"><title>true dog, predicted dog`));
    expect(svg).toContain(`fill="${blues(1)}" class="diagonal"><title>true dog`);
    // zero counts are not written
    expect(count(svg, />0<\/text>/g)).toBe(0);
  });

  it('importance bars: the top N, largest first', () => {
    const names = Array.from({ length: 30 }, (_, i) => `f${i}`);
    const values = names.map((_, i) => (i + 1) / 465);
    const svg = importanceBars(names, values, 20);
    expect(count(svg, /class="bar"/g)).toBe(20);
    const order = [...svg.matchAll(/<title>(f\d+):/g)].map((m) => m[1]);
    expect(order.slice(0, 3)).toEqual(['f29', 'f28', 'f27']);
    expect(order).not.toContain('f9');
  });

  it('importance image: one cell per pixel, channels summed, with a scale', () => {
    const values = Array.from({ length: 2 * 3 * 2 }, (_, i) => i);
    const svg = importanceImage(values, [2, 3, 2]);
    expect(count(svg, /<title>row \d, column \d/g)).toBe(6);
    expect(svg).toContain('row 1, column 2: 2100.00%'); // channels 10 + 11, as a share
    expect(count(svg, /<rect /g)).toBe(6 + 10);
  });

  it('accuracy against size: both series, a point per size, log axis when sizes span far', () => {
    const points = [
      { label: '1 tree', packageBytes: 3764, floatAccuracy: 0.76, quantizedAccuracy: 0.76 },
      { label: '10 trees', packageBytes: 18556, floatAccuracy: 0.9444, quantizedAccuracy: 0.9444 },
      { label: '100 trees', packageBytes: 170108, floatAccuracy: 0.98, quantizedAccuracy: 0.978 },
    ];
    const svg = sizeCurve(points);
    expect(svg).toContain('package size (log scale)');
    const lines = [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) => m[1].split(' ').length);
    expect(lines).toEqual([3, 3]);
    expect(count(svg, /class="point-package"/g)).toBe(3);
    expect(svg).toContain('100 trees: 170.11 kB, package 97.80%, float 98.00%');
    expect(sizeCurve(points.slice(0, 1))).not.toContain('log scale'); // one point: still a chart
  });
});

describe('renderTrainReport', () => {
  const input: TrainReportInput = {
    dataFile: 'data/<pets>.csv',
    packageFile: 'pets.edgm',
    command: 'edgeml train --data data/pets.csv --algo rf --out pets.edgm',
    generatedAt: new Date(0),
    keyId: '0123456789abcdef',
    summary: {
      algorithm: 'rf', algorithmName: 'random forest', params: { trees: 3, maxDepth: null, seed: 0, testSize: 0.25 },
      dataset: { rows: 40, features: 4, classes: ['cat', 'dog', '<script>alert(1)</script>'], trainRows: 30, testRows: 10 },
      floatAccuracy: 0.9, quantizedAccuracy: 0.9, agreement: 1, disagreements: 0,
      packageBytes: 1234, arenaBytes: 56, selfTest: { vectors: 8, passed: true }, signed: true,
      model: { trees: 3, internalNodes: 12, maxScoreError: 3.07e-8 }, trainMs: 12,
    },
    confusion: [[3, 0, 0], [1, 3, 0], [0, 0, 3]],
    importance: { kind: 'impurity', names: ['px0', 'px1', 'px2', 'px3'], values: [0.1, 0.2, 0.3, 0.4] },
    sizeCurve: [
      { label: '1 tree', packageBytes: 500, floatAccuracy: 0.7, quantizedAccuracy: 0.7 },
      { label: '3 trees', packageBytes: 1234, floatAccuracy: 0.9, quantizedAccuracy: 0.9 },
    ],
    shape: [2, 2, 1],
  };

  it('is one self-contained page: inline CSS and SVG, no script, no URL, no external file', () => {
    const html = renderTrainReport(input);
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(count(html, /<style>/g)).toBe(1);
    expect(html).not.toMatch(/https?:|<script|<link|<img|<iframe|@import|url\(|\ssrc=|\shref=/i);
    expect(count(html, /<svg /g)).toBe(4);
    expect(count(html, /<\/svg>/g)).toBe(4);
  });

  it('shows the summary, escaped', () => {
    const html = renderTrainReport(input);
    expect(html).toContain('random forest on &lt;pets&gt;.csv');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const s of ['90.00%', '100.00%', '0 of 10 rows differ', '1,234 B', '56 B', '8 vectors, all reproduce', 'key id 0123456789abcdef', '3.07e-8', '30 train, 10 test']) {
      expect(html).toContain(s);
    }
    expect(html).toContain('edgeml train --data data/pets.csv --algo rf --out pets.edgm');
    // per-class table: precision of "cat" is 3 / 4
    expect(html).toContain('<td>cat</td><td class="num">3</td><td class="num">75.0%</td><td class="num">100.0%</td>');
  });

  it('leaves out what a model does not have', () => {
    const html = renderTrainReport({ ...input, importance: null, shape: null, sizeCurve: [] });
    expect(count(html, /<svg /g)).toBe(1); // the confusion matrix only
    expect(html).toContain('Not computed for this model');
    expect(html).toContain('Not measured');
    const bars = renderTrainReport({ ...input, shape: null });
    expect(bars).toContain('class="chart bars"');
    expect(bars).not.toContain('class="chart image"');
  });
});
