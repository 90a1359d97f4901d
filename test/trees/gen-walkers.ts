// Generates firmware/core/trees/walkers.ts: the tree walks, one function per leaf kind, split
// comparison and walk length, written out because in XS every bytecode of these loops is paid
// per node or per tree (see the comments in engine.ts).
//
//   npx tsx test/trees/gen-walkers.ts          rewrite the file
// test/trees/trees.test.ts fails when the committed file differs from what this produces.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const WALKERS_PATH = fileURLToPath(new URL('../../firmware/core/trees/walkers.ts', import.meta.url));

/** Exact walks exist for 1..MAX_EXACT_DEPTH steps; deeper models use the chunked walk. */
export const MAX_EXACT_DEPTH = 12;
/** Steps between two leaf tests in the chunked walk. */
export const CHUNK = 4;
/** Trees per loop iteration... */
export const UNROLL = 4;
/** ... for walks of at most this many steps. */
export const UNROLL_DEPTH = 4;

/** Walk families: what a walk does with the leaf it reaches (see walk-state.ts). */
const KINDS = ['add', 'vote', 'hits', 'sparse'] as const;
type Kind = (typeof KINDS)[number];
const SPLITS = [['Lt', '<'], ['Le', '<=']] as const;
/** Dense rows of up to this many values are added by an accumulator written out for the width. */
export const MAX_DENSE_WIDTH = 16;

function rootStep(op: string, t: string): string {
  return `(x[f[${t}]] ${op} th[t] ? rl[t] : r[t])`;
}
function step(op: string, from: string): string {
  return `(x[f[n = ${from}]] ${op} th[n] ? n + 1 : r[n])`;
}
function steps(op: string, from: string, count: number): string {
  let e = from;
  for (let i = 0; i < count; i++) e = step(op, e);
  return e;
}

/**
 * The walk of the next tree as statements (`pre`) and the expression of its leaf's payload.
 * `t` names the tree: `++t` moves to the next one first (in the root step, evaluated before
 * anything else of the walk reads t).
 */
function walk(op: string, depth: number | 'chunked', t: string): { pre: string[]; payload: string } {
  if (depth === 'chunked') {
    const chunk = `(x[f[n]] ${op} th[n] ? n + 1 : r[n])`;
    return {
      pre: [`n = ${rootStep(op, t)};`, `while (f[n] < leaf) n = ${steps(op, chunk, CHUNK - 1)};`],
      payload: 'th[n]',
    };
  }
  return { pre: [], payload: `th[${steps(op, rootStep(op, t), depth - 1)}]` };
}

/**
 * The loop over trees t + 1 .. last: `block(k)` is the statements for the next k trees (each
 * walk reads ++t first), UNROLL trees per iteration while that many are left, then one.
 */
function treeLoop(depth: number | 'chunked', block: (count: number) => string[]): string[] {
  const loop = (count: number, cond: string): string[] => {
    const b = block(count);
    return b.length === 1 ? [`while (${cond}) ${b[0]}`] : [`while (${cond}) {`, ...b.map((l) => '  ' + l), '}'];
  };
  const u = unrollFor(depth);
  return [...(u > 1 ? loop(u, `t < last - ${u - 1}`) : []), ...loop(1, 't < last')];
}

/** Trees per loop iteration: the loop costs about half a step per tree, which matters most
 * next to short walks; long ones keep one tree per iteration (and the code small). */
function unrollFor(depth: number | 'chunked'): number {
  return depth === 'chunked' || depth > UNROLL_DEPTH ? 1 : UNROLL;
}

function repeat(count: number, tree: () => string[]): string[] {
  return Array.from({ length: count }, tree).flat();
}

function body(kind: Kind, op: string, depth: number | 'chunked'): string[] {
  const next = () => walk(op, depth, '++t');
  switch (kind) {
    case 'add':
      // Exact walks: the leaves of the block's trees in one sum.
      return [
        'for (let i = 0; i < runs.length; i++) {',
        '  const o = runs[i];',
        '  const last = runStart[i + 1] - 1;',
        '  let t = runStart[i] - 1;',
        '  let a = s[o];',
        ...treeLoop(depth, (count) => depth === 'chunked'
          ? repeat(count, () => [...next().pre, 'a += th[n];'])
          : [`a += ${Array.from({ length: count }, () => next().payload).join(' + ')};`]).map((l) => '  ' + l),
        '  s[o] = a;',
        '}',
      ];
    case 'vote':
      return ['const last = trees - 1;', 'let t = -1;', ...treeLoop(depth, (count) => repeat(count, () => {
        const w = next();
        return [...w.pre, `s[${w.payload}]++;`];
      }))];
    case 'hits':
      // An assignment's target is evaluated before its value: an exact walk moves to the next
      // tree there, in hits[++t].
      return ['const last = trees - 1;', 'let t = -1;', ...treeLoop(depth, (count) => repeat(count, () => {
        if (depth !== 'chunked') return [`hits[++t] = ${walk(op, depth, 't').payload};`];
        return [...next().pre, 'hits[t] = th[n];'];
      }))];
    case 'sparse':
      // A negative payload is a pure leaf: it adds the unit to score ~payload.
      return ['const last = trees - 1;', 'let t = -1;', ...treeLoop(depth, (count) => repeat(count, () => {
        const w = next();
        return [
          ...w.pre,
          `if ((e = ${w.payload}) < 0) s[~e] += unit;`,
          'else {',
          '  for (; (c = classes[e]) >= 0; e++) s[c] += values[e];',
          '  s[~c] += values[e];',
          '}',
        ];
      }))];
  }
}

const LOCALS: Record<Kind, string> = {
  add: 'runs, runStart, scores: s',
  vote: 'trees, scores: s',
  hits: 'trees, hits',
  sparse: 'trees, values, classes, unit, scores: s',
};

function walker(kind: Kind, split: (typeof SPLITS)[number], depth: number | 'chunked'): { name: string; text: string } {
  const [suffix, op] = split;
  const name = `${kind}${depth === 'chunked' ? 'Chunked' : depth}${suffix}`;
  const usesN = depth === 'chunked' || depth > 1;
  const locals = `x, f, th, r, rl, ${depth === 'chunked' ? 'leaf, ' : ''}${LOCALS[kind]}`;
  const inner = [
    ...(usesN ? ['let n = 0;'] : []),
    ...(kind === 'sparse' ? ['let e = 0;', 'let c = 0;'] : []),
    ...body(kind, op, depth),
  ];
  const lines = [
    `function ${name}(m: WalkState): () => void {`,
    `  const { ${locals} } = m;`,
    '  return () => {',
    ...inner.map((l) => l.split('\n').map((s) => '    ' + s).join('\n')),
    '  };',
    '}',
  ];
  return { name, text: lines.join('\n') };
}

/** Adds the rows whose offsets the walk left in `hits`, into one local per score. */
function denseAccumulator(width: number): { name: string; text: string } {
  const name = `dense${width}`;
  const k = Array.from({ length: width }, (_, i) => i);
  const lines = [
    `function ${name}(m: WalkState): () => void {`,
    '  const { trees, hits, rows, scores: s } = m;',
    `  ${k.map((i) => `const v${i} = rows[${i}];`).join(' ')}`,
    '  return () => {',
    `    ${k.map((i) => `let s${i} = s[${i}];`).join(' ')}`,
    '    for (let t = 0; t < trees; t++) {',
    '      const o = hits[t];',
    ...k.map((i) => `      s${i} += v${i}[o];`),
    '    }',
    `    ${k.map((i) => `s[${i}] = s${i};`).join(' ')}`,
    '  };',
    '}',
  ];
  return { name, text: lines.join('\n') };
}

const GENERIC_DENSE = `/** Dense rows of any width. */
function denseAny(m: WalkState): () => void {
  const { trees, hits, width, values, scores: s } = m;
  return () => {
    for (let t = 0; t < trees; t++) {
      for (let k = 0, v = hits[t]; k < width; k++) s[k] += values[v++];
    }
  };
}`;

export function generateWalkers(): string {
  const out: string[] = [
    '// GENERATED by test/trees/gen-walkers.ts: do not edit; run `npx tsx test/trees/gen-walkers.ts`.',
    '//',
    '// Tree walks, one per family (add: one value per tree into a local per run of trees with',
    '// the same output; vote: one more vote for a class; hits: the payload of each tree, for a',
    '// dense accumulator; sparse: runs of (class, value) entries), split comparison (`<`, `<=`)',
    `// and walk length (exactly 1..${MAX_EXACT_DEPTH} steps, or chunks of ${CHUNK} steps between leaf tests).`,
    '// Each is made once per model (a closure over the typed arrays: nothing to look up per',
    '// inference). A walk step is one expression,',
    '//   n = x[f[n]] < th[n] ? n + 1 : r[n]',
    '// nested into the next step, so that XS runs no statement or pop between steps. Leaves',
    '// loop on themselves (their feature is the input length, x[f] is undefined and the test',
    '// false, their right link is themselves), so extra steps are harmless. Trees of width-1',
    `// leaves go ${UNROLL} per loop iteration in walks of up to ${UNROLL_DEPTH} steps.`,
    "import type { WalkState } from './walk-state';",
    '',
    'export type WalkerFactory = (m: WalkState) => () => void;',
    '',
  ];
  const table: string[] = [];
  for (const kind of KINDS) {
    const perSplit: string[] = [];
    for (const split of SPLITS) {
      const names: string[] = [];
      for (const depth of [...Array.from({ length: MAX_EXACT_DEPTH }, (_, i) => i + 1), 'chunked' as const]) {
        const w = walker(kind, split, depth);
        out.push(w.text, '');
        names.push(w.name);
      }
      perSplit.push(`    [${names.join(', ')}],`);
    }
    table.push(`  [ // ${kind}`, ...perSplit, '  ],');
  }
  const dense = Array.from({ length: MAX_DENSE_WIDTH }, (_, i) => denseAccumulator(i + 1));
  out.push(...dense.flatMap((d) => [d.text, '']), GENERIC_DENSE, '');
  out.push(
    `export const MAX_EXACT_DEPTH = ${MAX_EXACT_DEPTH};`,
    `export const CHUNK = ${CHUNK};`,
    '',
    '/** WALKERS[family][split][steps - 1], and [family][split][MAX_EXACT_DEPTH] for the chunked walk. */',
    'export const WALKERS: readonly (readonly (readonly WalkerFactory[])[])[] = [',
    ...table,
    '];',
    '',
    '/** DENSE[width - 1] for widths up to ' + MAX_DENSE_WIDTH + ', else denseAny. */',
    `export const DENSE: readonly WalkerFactory[] = [${dense.map((d) => d.name).join(', ')}];`,
    'export { denseAny };',
    '',
  );
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(WALKERS_PATH, generateWalkers());
  console.log(`wrote ${WALKERS_PATH}`);
}
