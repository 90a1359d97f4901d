// The graph engine inside the real XS engine: bit-exact with Node, no allocation in run(), and
// the cost of the conv and dense inner loops in computrons per multiply-accumulate.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsRunner } from '../../sim/xs/runner';
import { GraphBuilder, encodeGraphBody } from '../../host/package/graph-body';
import type { GraphDef } from '../../host/package/graph-body';
import { engineFor, randomLayer, runEngine } from './helpers';
import { Prng } from '../support/prng';
import { REFERENCE_CNN_NAMES, referenceCnn } from '../../host/package/reference-cnns';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = path.join(here, 'fixtures/xs-graph-entry.ts');

let runner: XsRunner;
beforeAll(async () => {
  runner = await XsRunner.start(ENTRY);
});
afterAll(async () => {
  await runner?.close();
});

async function load(def: GraphDef): Promise<number> {
  const { reply } = await runner.call('load', encodeGraphBody(def));
  return new DataView(reply.buffer, reply.byteOffset).getUint32(4, true);
}

async function runXs(input: Int8Array): Promise<Int8Array> {
  await runner.call('input', new Uint8Array(input.buffer, input.byteOffset, input.length));
  await runner.call('run');
  const { reply } = await runner.call('scores');
  return new Int8Array(reply.buffer, reply.byteOffset, reply.length);
}

/** Computrons of the first `n` ops (runOps) beyond the dispatch baseline. */
async function prefixCost(n: number): Promise<number> {
  const base = (await runner.call('__noop')).meter.compute;
  return (await runner.call('runOps', Uint8Array.of(n & 0xff, n >> 8))).meter.compute - base;
}

/** Computrons of one run() beyond the dispatch baseline. */
async function runCost(): Promise<number> {
  const base = (await runner.call('__noop')).meter.compute;
  const run = (await runner.call('run')).meter.compute;
  return run - base;
}

function withSmallBias<T extends { bias?: ArrayLike<number> }>(rng: Prng, layer: T): T {
  if (layer.bias) layer.bias = Int32Array.from({ length: layer.bias.length }, () => rng.int(-20000, 20000));
  return layer;
}

function smallCnn(rng: Prng): GraphDef {
  const b = new GraphBuilder();
  let x = b.input([1, 8, 8, 2], { scale: 0.03, zeroPoint: -5 });
  x = b.conv2d(x, randomLayer(rng, [6, 3, 3, 2], 6, 0, 0.03, 18), { padding: 'SAME' });
  x = b.depthwiseConv2d(x, randomLayer(rng, [1, 3, 3, 12], 12, 3, b.quantOf(x).scale, 9), 2, { padding: 'SAME', stride: 2 });
  x = b.pool('AVERAGE_POOL_2D', x, [2, 2], { stride: 2 });
  const y = b.pool('MAX_POOL_2D', x, [1, 1]);
  x = b.add(x, y, { scale: Math.fround(b.quantOf(x).scale * 1.7), zeroPoint: 3 }, 'RELU6');
  x = b.flatten(x);
  x = b.fullyConnected(x, randomLayer(rng, [7, b.shapeOf(x)[1]], 7, 0, b.quantOf(x).scale, b.shapeOf(x)[1]));
  return b.build(b.softmax(x));
}

describe('graph engine in XS', () => {
  it('gives the same scores as in Node, bit for bit', async () => {
    const rng = new Prng(123);
    for (let m = 0; m < 4; m++) {
      const def = smallCnn(rng);
      const n = await load(def);
      const node = engineFor(def);
      for (let k = 0; k < 3; k++) {
        const x = rng.int8Array(n);
        expect(Array.from(await runXs(x))).toEqual(Array.from(runEngine(node, x)));
      }
    }
  });

  it('run() allocates nothing', async () => {
    const def = smallCnn(new Prng(5));
    await load(def);
    await runXs(new Prng(6).int8Array(128));
    const m = await runner.measureAllocation('run', undefined, { samples: 3 });
    expect(m.slots).toBe(0);
    for (const name of REFERENCE_CNN_NAMES) {
      const n = await load(referenceCnn(name, 2).def);
      await runXs(new Prng(7).int8Array(n));
      expect((await runner.measureAllocation('run', undefined, { samples: 3 })).slots, name).toBe(0);
    }
  });

  it('conv and dense layers cost at most 18 computrons per multiply-accumulate', async () => {
    const rng = new Prng(7);
    const cases: { def: GraphDef; macs: number; name: string }[] = [];
    {
      const b = new GraphBuilder();
      const x = b.input([1, 16, 16, 8], { scale: 0.02, zeroPoint: 3 });
      const y = b.conv2d(x, withSmallBias(rng, randomLayer(rng, [16, 3, 3, 8], 16, 0, 0.02, 72, { withBias: true })), { padding: 'SAME' });
      cases.push({ def: b.build(y), macs: 16 * 16 * 16 * 72, name: 'conv 3x3 8->16' });
    }
    {
      const b = new GraphBuilder();
      const x = b.input([1, 256], { scale: 0.02, zeroPoint: 3 });
      const y = b.fullyConnected(x, withSmallBias(rng, randomLayer(rng, [64, 256], 64, 0, 0.02, 256, { withBias: true })));
      cases.push({ def: b.build(y), macs: 64 * 256, name: 'dense 256->64' });
    }
    for (const c of cases) {
      const n = await load(c.def);
      await runXs(rng.int8Array(n));
      const perMac = (await runCost()) / c.macs;
      expect(perMac, c.name).toBeLessThanOrEqual(18);
    }
  });

  it('runs the reference CNNs bit-exactly at <= 18 computrons per MAC, every conv and dense layer included', async () => {
    for (const name of REFERENCE_CNN_NAMES) {
      const cnn = referenceCnn(name, 3);
      const n = await load(cnn.def);
      const node = engineFor(cnn.def);
      const x = new Prng(11).int8Array(n);
      expect(Array.from(await runXs(x)), name).toEqual(Array.from(runEngine(node, x)));
      const total = await runCost();
      expect(total / cnn.macs, `${name} total`).toBeLessThanOrEqual(18);
      for (const layer of cnn.layers) {
        if (layer.macs === 0) continue;
        const cost = (await prefixCost(layer.op + 1)) - (await prefixCost(layer.op));
        expect(cost / layer.macs, `${name} ${layer.name}`).toBeLessThanOrEqual(18);
      }
    }
  });

  it('small-K convs and 3x3 depthwise cost at most 18 computrons per MAC', async () => {
    const rng = new Prng(17);
    const cases: { def: GraphDef; macs: number; name: string }[] = [];
    const realistic = (l: ReturnType<typeof randomLayer>, taps: number): typeof l => {
      const ch = (l.bias ?? []).length;
      l.weights = rng.int8Array(l.weights.length, -127, 127);
      l.weightScales = Array.from({ length: ch }, () => Math.fround(rng.logUniform(2e-3, 2e-2)));
      l.bias = Int32Array.from({ length: ch }, () => rng.int(-20000, 20000));
      l.output = { scale: Math.fround(0.02 * 0.01 * Math.sqrt(taps) * 2), zeroPoint: rng.pick([-128, -3]) };
      l.activation = rng.pick(['RELU', 'NONE'] as const);
      return l;
    };
    for (const [H, W, C, O, kH, kW, padding] of [[28, 28, 1, 32, 3, 3, 'VALID'], [8, 8, 1, 8, 3, 3, 'SAME'], [1, 128, 3, 16, 1, 5, 'VALID']] as const) {
      const b = new GraphBuilder();
      const x = b.input([1, H, W, C], { scale: 0.02, zeroPoint: -128 });
      const y = b.conv2d(x, realistic(randomLayer(rng, [O, kH, kW, C], O, 0, 0.02, kH * kW * C, { withBias: true }), kH * kW * C), { padding });
      const [, oh, ow] = b.shapeOf(y);
      cases.push({ def: b.build(y), macs: oh * ow * O * kH * kW * C, name: `conv ${kH}x${kW} ${C}->${O} on ${H}x${W}` });
    }
    {
      const b = new GraphBuilder();
      const x = b.input([1, 16, 16, 16], { scale: 0.02, zeroPoint: 3 });
      const y = b.depthwiseConv2d(x, realistic(randomLayer(rng, [1, 3, 3, 16], 16, 3, 0.02, 9, { withBias: true }), 9), 1, { padding: 'SAME' });
      cases.push({ def: b.build(y), macs: 16 * 16 * 16 * 9, name: 'depthwise 3x3 x16' });
    }
    for (const c of cases) {
      const n = await load(c.def);
      const x = rng.int8Array(n);
      expect(Array.from(await runXs(x)), c.name).toEqual(Array.from(runEngine(engineFor(c.def), x)));
      expect((await runCost()) / c.macs, c.name).toBeLessThanOrEqual(18);
      expect((await runner.measureAllocation('run', undefined, { samples: 3 })).slots, `${c.name} allocation`).toBe(0);
    }
  });
});
