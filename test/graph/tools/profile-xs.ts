// Per-layer XS cost of the reference CNNs and of single conv/depthwise/dense layers:
// `npx tsx test/graph/tools/profile-xs.ts [--json]`. Computrons per op come from prefix runs
// (runOps(i + 1) - runOps(i)), deterministic; outputs are checked against Node first.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsRunner } from '../../../sim/xs/runner';
import { GraphBuilder, encodeGraphBody } from '../../../host/package/graph-body';
import type { ConvLayer, GraphDef } from '../../../host/package/graph-body';
import { REFERENCE_CNN_NAMES, referenceCnn } from '../../../host/package/reference-cnns';
import { engineFor, randomLayer, runEngine } from '../helpers';
import { Prng } from '../../support/prng';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = path.join(here, '../fixtures/xs-graph-entry.ts');

export interface OpCost { op: number; name: string; computrons: number; macs: number; perMac: number }

export async function profile(runner: XsRunner, def: GraphDef, names: string[], macs: number[], seed = 1): Promise<OpCost[]> {
  const { reply } = await runner.call('load', encodeGraphBody(def));
  const n = new DataView(reply.buffer, reply.byteOffset).getUint32(4, true);
  const rng = new Prng(seed);
  const x = rng.int8Array(n);
  await runner.call('input', new Uint8Array(x.buffer));
  await runner.call('run');
  const got = new Int8Array((await runner.call('scores')).reply.slice().buffer);
  const want = runEngine(engineFor(def), x);
  if (got.join() !== want.join()) throw new Error('XS and Node differ');
  const prefix: number[] = [];
  for (let i = 0; i <= def.ops.length; i++) {
    prefix.push((await runner.call('runOps', Uint8Array.of(i & 0xff, i >> 8))).meter.compute);
  }
  return def.ops.map((_, i) => {
    const c = prefix[i + 1] - prefix[i];
    return { op: i, name: names[i] ?? String(def.ops[i].op), computrons: c, macs: macs[i] ?? 0, perMac: macs[i] ? c / macs[i] : 0 };
  });
}

function single(build: (b: GraphBuilder, rng: Prng) => number, inShape: number[], zp = 3): GraphDef {
  const b = new GraphBuilder();
  const rng = new Prng(99);
  b.input(inShape, { scale: 0.02, zeroPoint: zp });
  return b.build(build(b, rng));
}

/** Realistic quantization: small biases, weights over the int8 range, outputs spread over int8. */
function realistic(rng: Prng, l: ConvLayer, taps: number, relu: boolean): ConvLayer {
  const n = l.weights.length;
  l.weights = rng.int8Array(n, -127, 127);
  const scales = Array.from({ length: (l.bias ?? []).length }, () => Math.fround(rng.logUniform(2e-3, 2e-2)));
  l.weightScales = scales;
  l.bias = Int32Array.from(scales, () => rng.int(-20000, 20000));
  const mean = scales.reduce((a, b) => a + b, 0) / scales.length;
  l.output = { scale: Math.fround(0.02 * mean * Math.sqrt(taps) * 73 / 40), zeroPoint: relu ? -128 : rng.int(-20, 20) };
  l.activation = relu ? 'RELU' : 'NONE';
  return l;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const runner = await XsRunner.start(ENTRY);
  const rows: Record<string, unknown>[] = [];
  try {
    for (const name of REFERENCE_CNN_NAMES) {
      const cnn = referenceCnn(name, 1);
      const costs = await profile(runner, cnn.def, cnn.layers.map((l) => l.name), cnn.layers.map((l) => l.macs));
      const total = costs.reduce((a, c) => a + c.computrons, 0);
      rows.push({ model: name, total, macs: cnn.macs, perMac: total / cnn.macs, layers: costs });
      if (!json) {
        console.log(`${name}: ${total} computrons, ${cnn.macs} MACs, ${(total / cnn.macs).toFixed(2)} per MAC`);
        for (const c of costs) console.log(`  ${String(c.op).padStart(2)} ${c.name.padEnd(34)} ${String(c.computrons).padStart(9)}${c.macs ? `  ${c.perMac.toFixed(2)}/MAC` : ''}`);
      }
    }
    const layers: [string, GraphDef, number][] = [];
    const conv = (label: string, H: number, W: number, C: number, O: number, kH: number, kW: number, padding: 'SAME' | 'VALID', act: 'NONE' | 'RELU' = 'RELU') => {
      const def = single((b, rng) => {
        const l = realistic(rng, randomLayer(rng, [O, kH, kW, C], O, 0, 0.02, kH * kW * C, { withBias: true }), kH * kW * C, act === 'RELU');
        return b.conv2d(0, l, { padding });
      }, [1, H, W, C]);
      const oh = padding === 'SAME' ? H : H - kH + 1, ow = padding === 'SAME' ? W : W - kW + 1;
      layers.push([label, def, oh * ow * O * kH * kW * C]);
    };
    conv('conv 3x3 8->16 16x16 SAME', 16, 16, 8, 16, 3, 3, 'SAME');
    conv('conv 3x3 1->32 28x28 VALID', 28, 28, 1, 32, 3, 3, 'VALID');
    conv('conv 3x3 1->8 8x8 SAME', 8, 8, 1, 8, 3, 3, 'SAME');
    conv('conv 3x3 1->8 8x8 SAME NONE', 8, 8, 1, 8, 3, 3, 'SAME', 'NONE');
    conv('conv 1x5 3->16 1x128 VALID', 1, 128, 3, 16, 1, 5, 'VALID');
    conv('conv 1x5 16->32 1x62 VALID', 1, 62, 16, 32, 1, 5, 'VALID');
    conv('conv 3x3 8->16 4x4 SAME', 4, 4, 8, 16, 3, 3, 'SAME');
    {
      const def = single((b, rng) => {
        const l = realistic(rng, randomLayer(rng, [1, 3, 3, 16], 16, 3, 0.02, 9, { withBias: true }), 9, true);
        return b.depthwiseConv2d(0, l, 1, { padding: 'SAME' });
      }, [1, 16, 16, 16]);
      layers.push(['depthwise 3x3 x16 16x16 SAME', def, 16 * 16 * 16 * 9]);
    }
    for (const [n, k] of [[64, 256], [10, 21632]] as const) {
      const def = single((b, rng) => b.fullyConnected(0, realistic(rng, randomLayer(rng, [n, k], n, 0, 0.02, k, { withBias: true }), k, false)), [1, k]);
      layers.push([`dense ${k}->${n}`, def, n * k]);
    }
    for (const [label, def, macs] of layers) {
      const [c] = await profile(runner, def, [label], [macs]);
      rows.push({ layer: label, computrons: c.computrons, macs, perMac: c.perMac });
      if (!json) console.log(`${label.padEnd(34)} ${String(c.computrons).padStart(9)}  ${c.perMac.toFixed(2)}/MAC`);
    }
  } finally {
    await runner.close();
  }
  if (json) console.log(JSON.stringify(rows, null, 1));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) void main();
