// Instructions per multiply-accumulate of the C graph kernels (firmware/native/graph), counted
// by valgrind's callgrind on the host: deterministic, so comparable across machines, unlike
// times. The workload: every CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED op of the reference
// CNNs (models/cnn-*.edgm, on their self-test inputs) and of a MobileNet-style block (3x3 conv,
// depthwise 3x3, 1x1 conv, dense), built at -O2 into the test driver; only the kernel
// functions are counted (--toggle-collect), one driver run per op kind.
//
//   tsx tools/native-graph-counts.ts   prints the figures

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGraphEngine } from '../firmware/core/graph/engine';
import type { OpRegistry } from '../firmware/core/graph/kernel';
import { nativeGraphKernels } from '../firmware/core/graph/native-kernels';
import { loadModel } from '../firmware/core/model';
import { GraphBuilder, encodeGraphBody } from '../host/package/graph-body';
import type { GraphDef } from '../host/package/graph-body';
import { alignedCopy } from '../host/package/read';
import { ROOT } from '../test/native/support/cc';
import { OP_CONV, OP_DEPTHWISE, OP_FC, buildGraphDriver, hostsCalling, runDriver } from '../test/native/support/graph-driver';
import type { OpRecord } from '../test/native/support/graph-driver';
import { inputSpecOf, outputSpecOf, placeBody, randomLayer } from '../test/graph/helpers';
import { Prng } from '../test/support/prng';

const KINDS = [
  { op: OP_CONV, name: 'CONV_2D', fn: 'edgeml_conv2d' },
  { op: OP_DEPTHWISE, name: 'DEPTHWISE_CONV_2D', fn: 'edgeml_depthwise_conv2d' },
  { op: OP_FC, name: 'FULLY_CONNECTED', fn: 'edgeml_fully_connected' },
] as const;

export interface OpKindCount {
  readonly op: string;
  readonly macs: number;
  readonly instructions: number;
  readonly instructionsPerMac: number;
}

export interface NativeGraphCounts {
  /** Over the whole workload. */
  readonly instructionsPerMac: number;
  readonly macs: number;
  readonly instructions: number;
  readonly byOp: readonly OpKindCount[];
}

export type NativeGraphCountsResult = NativeGraphCounts | { readonly unavailable: string };

/** Multiply-accumulates of one op call: output elements times taps per output (padding taps included, as TFLite counts). */
function macsOf(r: OpRecord): number {
  const p = r.params;
  const outputs = p[3] * p[4] * p[5]; // EDGEML_P_OUT_H * OUT_W * OUT_C
  if (r.op === OP_FC) return outputs * p[2]; // IN_C
  if (r.op === OP_DEPTHWISE) return outputs * p[6] * p[7];
  return outputs * p[6] * p[7] * p[2];
}

/** A MobileNet-style block, so that depthwise and 1x1 convolutions are in the workload too. */
function mobilenetBlock(): GraphDef {
  const rng = new Prng(42);
  const b = new GraphBuilder();
  let x = b.input([1, 16, 16, 8], { scale: 0.02, zeroPoint: -3 });
  x = b.conv2d(x, randomLayer(rng, [16, 3, 3, 8], 16, 0, 0.02, 72, { withBias: true }), { padding: 'SAME' });
  x = b.depthwiseConv2d(x, randomLayer(rng, [1, 3, 3, 16], 16, 3, b.quantOf(x).scale, 9, { withBias: true }), 1, { padding: 'SAME' });
  x = b.conv2d(x, randomLayer(rng, [32, 1, 1, 16], 32, 0, b.quantOf(x).scale, 16, { withBias: true }));
  x = b.pool('AVERAGE_POOL_2D', x, [16, 16]);
  x = b.flatten(x);
  x = b.fullyConnected(x, randomLayer(rng, [10, 32], 10, 0, b.quantOf(x).scale, 32, { withBias: true }));
  return b.build(x);
}

/** Every native op call of the workload, each run once through the driver to feed the next op. */
function workload(exe: string): OpRecord[] {
  const records: OpRecord[] = [];
  const kernels: OpRegistry = nativeGraphKernels(hostsCalling((r, output) => {
    records.push(r);
    output.set(runDriver(exe, [r])[0]);
  }));
  const dir = path.join(ROOT, 'models');
  for (const f of readdirSync(dir).filter((n) => n.startsWith('cnn-') && n.endsWith('.edgm')).sort()) {
    const model = loadModel(alignedCopy(readFileSync(path.join(dir, f))), { kernels });
    for (const v of model.selfTestVectors) {
      model.input.set(v.input);
      model.predict();
    }
  }
  const def = mobilenetBlock();
  const engine = createGraphEngine(placeBody(encodeGraphBody(def)), inputSpecOf(def), outputSpecOf(def), kernels);
  engine.input.set(new Prng(43).int8Array(engine.input.length));
  engine.run();
  return records;
}

/** Instructions executed inside `fn` while the driver runs `records` under callgrind. */
function callgrindInstructions(exe: string, records: OpRecord[], fn: string, dir: string): number {
  const out = path.join(dir, `${fn}.callgrind`);
  runDriver('valgrind', records, ['--tool=callgrind', `--callgrind-out-file=${out}`, `--toggle-collect=${fn}`, exe]);
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(out, 'utf8'));
  if (!m) throw new Error(`no instruction total in ${out}`);
  return Number(m[1]);
}

export async function nativeGraphCounts(): Promise<NativeGraphCountsResult> {
  const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { unavailable: 'valgrind is not installed (callgrind counts the instructions)' };
  const exe = buildGraphDriver({ flags: ['-O2', '-g'] });
  const records = workload(exe);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeml-callgrind-'));
  try {
    const byOp: OpKindCount[] = [];
    for (const k of KINDS) {
      const mine = records.filter((r) => r.op === k.op);
      if (mine.length === 0) continue;
      const macs = mine.reduce((a, r) => a + macsOf(r), 0);
      const instructions = callgrindInstructions(exe, mine, k.fn, dir);
      byOp.push({ op: k.name, macs, instructions, instructionsPerMac: instructions / macs });
    }
    const macs = byOp.reduce((a, o) => a + o.macs, 0);
    const instructions = byOp.reduce((a, o) => a + o.instructions, 0);
    return { instructionsPerMac: instructions / macs, macs, instructions, byOp };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  nativeGraphCounts().then((r) => {
    if ('unavailable' in r) {
      console.log(`native graph kernels: no instruction counts (${r.unavailable})`);
      return;
    }
    for (const o of r.byOp) {
      console.log(`${o.op.padEnd(18)} ${o.macs.toString().padStart(10)} MACs ${o.instructions.toString().padStart(11)} instructions  ${o.instructionsPerMac.toFixed(2)} per MAC`);
    }
    console.log(`${'all'.padEnd(18)} ${r.macs.toString().padStart(10)} MACs ${r.instructions.toString().padStart(11)} instructions  ${r.instructionsPerMac.toFixed(2)} per MAC`);
  }, (err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  });
}
