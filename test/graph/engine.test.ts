// Whole graphs against the reference, run() determinism and buffer reuse, the arena planner,
// swappable registries.

import { describe, expect, it } from 'vitest';
import { createGraphEngine } from '../../firmware/core/graph/engine';
import { OP_CONV_2D } from '../../firmware/core/graph/format';
import type { OpKernel, OpRegistry } from '../../firmware/core/graph/kernel';
import { planArena } from '../../firmware/core/graph/planner';
import type { BufferRequest } from '../../firmware/core/graph/planner';
import { referenceRegistry } from '../../firmware/core/graph/registry';
import { GraphBuilder, encodeGraphBody } from '../../host/package/graph-body';
import type { GraphDef } from '../../host/package/graph-body';
import { FULL, engineFor, firstDifference, inputSpecOf, outputSpecOf, placeBody, randomLayer, randomQuant, runEngine } from './helpers';
import { Prng } from '../support/prng';
import { referenceOutput, referenceRun } from './reference';

/** A small CNN: conv -> maxpool -> depthwise -> 1x1 conv (+ residual add) -> avgpool -> dense -> softmax. */
function cnn(seed: number, opts: { oneD?: boolean } = {}): GraphDef {
  const rng = new Prng(seed);
  const b = new GraphBuilder();
  const [H, W, C] = opts.oneD ? [1, rng.int(16, 40), 3] : [rng.int(6, 12), rng.int(6, 12), rng.int(1, 3)];
  const qIn = randomQuant(rng, 0.005, 0.1);
  let x = b.input([1, H, W, C], qIn);
  const k = opts.oneD ? [1, 5] : [3, 3];
  const c1 = rng.int(4, 8);
  x = b.conv2d(x, randomLayer(rng, [c1, k[0], k[1], C], c1, 0, qIn.scale, k[0] * k[1] * C), { padding: 'SAME' });
  x = b.pool('MAX_POOL_2D', x, opts.oneD ? [1, 2] : [2, 2], { stride: opts.oneD ? [1, 2] : 2 });
  const mult = rng.pick([1, 2]);
  x = b.depthwiseConv2d(x, randomLayer(rng, [1, k[0], k[1], c1 * mult], c1 * mult, 3, b.quantOf(x).scale, k[0] * k[1]), mult, { padding: 'SAME', stride: rng.pick([1, 2]) });
  const c2 = c1 * mult;
  const y = b.conv2d(x, randomLayer(rng, [c2, 1, 1, c2], c2, 0, b.quantOf(x).scale, c2));
  const sq = Math.max(b.quantOf(x).scale, b.quantOf(y).scale) * rng.logUniform(0.5, 3);
  x = b.add(x, y, { scale: Math.fround(sq), zeroPoint: rng.int(-128, 0) }, 'RELU');
  const shape = b.shapeOf(x);
  x = b.pool('AVERAGE_POOL_2D', x, [shape[1] > 1 ? 2 : 1, 2], { padding: 'SAME', stride: 2 });
  x = b.flatten(x);
  const n = b.shapeOf(x)[1];
  const classes = rng.int(2, 6);
  const head = randomLayer(rng, [classes, n], classes, 0, b.quantOf(x).scale, n);
  // int8 softmax needs an input scale above 2^-26
  head.output = { ...head.output, scale: Math.fround(Math.max(head.output.scale, 1e-7)) };
  x = b.fullyConnected(x, head);
  return b.build(b.softmax(x));
}

describe('whole graphs', () => {
  it('small CNNs match the reference', () => {
    const rng = new Prng(11);
    const count = FULL ? 200 : 25;
    for (let s = 0; s < count; s++) {
      const def = cnn(1000 + s, { oneD: s % 3 === 0 });
      const engine = engineFor(def);
      for (let k = 0; k < 3; k++) {
        const x = rng.int8Array(engine.input.length);
        const got = runEngine(engine, x);
        const diff = firstDifference(got, referenceOutput(def, x));
        expect(diff, `model ${s} input ${k}`).toBeNull();
      }
    }
  });

  it('intermediate activations match the reference too (engine views share the arena)', () => {
    const def = cnn(77);
    const engine = engineFor(def);
    const x = new Prng(5).int8Array(engine.input.length);
    const ref = referenceRun(def, x);
    engine.input.set(x);
    engine.run();
    expect(Array.from(engine.scores)).toEqual(Array.from(ref[def.output] as Int8Array));
  });
});

describe('run()', () => {
  it('is deterministic, repeatable without rewriting the input, and reuses its buffers', () => {
    const def = cnn(21);
    const engine = engineFor(def);
    const arena = engine.input.buffer;
    const input = engine.input;
    const scores = engine.scores;
    const x = new Prng(3).int8Array(engine.input.length);
    engine.input.set(x);
    engine.run();
    const first = Array.from(engine.scores);
    for (let i = 0; i < 5; i++) {
      engine.run();
      expect(Array.from(engine.scores)).toEqual(first);
    }
    expect(Array.from(engine.input)).toEqual(Array.from(x));
    expect(engine.scores).toBe(scores);
    expect(engine.input).toBe(input);
    expect(engine.input.buffer).toBe(arena);
    expect(engine.activationBytes).toBe(arena.byteLength);
    // Everything the engine keeps in RAM is reported: arena, prepared state, scores.
    expect(engine.arenaBytes).toBe(engine.activationBytes + engine.persistentBytes + engine.scores.byteLength);
    expect(engine.persistentBytes).toBeGreaterThan(0);
    // another input, then the first again
    engine.input.set(new Prng(4).int8Array(engine.input.length));
    engine.run();
    engine.input.set(x);
    engine.run();
    expect(Array.from(engine.scores)).toEqual(first);
  });

  it('two engines of one body do not share state', () => {
    const def = cnn(22);
    const a = engineFor(def), b = engineFor(def);
    const x = new Prng(6).int8Array(a.input.length);
    const y = new Prng(7).int8Array(a.input.length);
    const ra = runEngine(a, x);
    runEngine(b, y);
    expect(runEngine(a, x)).toEqual(ra);
    expect(a.input.buffer).not.toBe(b.input.buffer);
  });
});

describe('arena', () => {
  it('plans less than the sum of all activations and places buffers 4-aligned', () => {
    const def = cnn(31);
    const engine = engineFor(def);
    let sum = 0;
    const size = (t: number): number => Math.ceil(def.tensors[t].shape.reduce((a, c) => a * c, 1) / 4) * 4;
    def.tensors.forEach((t, i) => {
      if (t.data === undefined) sum += size(i);
    });
    for (const op of def.ops) {
      if (op.op === 'CONV_2D' || op.op === 'DEPTHWISE_CONV_2D') {
        // scratch: a receptive field (general kernels) or a padded copy of the input (fast ones)
        const [, kH, kW] = def.tensors[op.inputs[1]].shape;
        const [, H, W, C] = def.tensors[op.inputs[0]].shape;
        sum += Math.ceil(Math.max(10 * kH * kW * C, (H + kH) * (W + kW) * C) / 4) * 4;
      }
    }
    expect(engine.activationBytes).toBeLessThan(sum);
    expect(engine.input.byteOffset % 4).toBe(0);
  });

  it('RESHAPE output shares its input buffer', () => {
    const b = new GraphBuilder();
    const x = b.input([1, 4, 4, 2], { scale: 0.1, zeroPoint: 0 });
    const p = b.pool('MAX_POOL_2D', x, [2, 2], { stride: 2 });
    const f = b.flatten(p);
    const def = b.build(f);
    const engine = engineFor(def);
    expect(engine.activationBytes).toBe(32 + 8); // input kept for the run, pooled output aliased by the reshape
    const x0 = new Prng(1).int8Array(32);
    expect(runEngine(engine, x0)).toEqual(referenceOutput(def, x0));
  });

  it('the greedy planner never overlaps buffers that are alive at the same time', () => {
    const rng = new Prng(41);
    for (let round = 0; round < (FULL ? 2000 : 300); round++) {
      const requests: BufferRequest[] = [];
      const n = rng.int(1, 30);
      for (let i = 0; i < n; i++) {
        const first = rng.int(0, 20);
        requests.push({ size: rng.int(0, 500), first, last: first + rng.int(0, 6) });
      }
      const plan = planArena(requests, 4);
      let maxLive = 0;
      for (let t = 0; t <= 26; t++) {
        let live = 0;
        for (const r of requests) if (r.first <= t && t <= r.last) live += Math.ceil(r.size / 4) * 4;
        maxLive = Math.max(maxLive, live);
      }
      expect(plan.size).toBeGreaterThanOrEqual(maxLive);
      for (let i = 0; i < n; i++) {
        expect(plan.offsets[i] % 4).toBe(0);
        expect(plan.offsets[i] + requests[i].size).toBeLessThanOrEqual(plan.size);
        for (let j = i + 1; j < n; j++) {
          const a = requests[i], c = requests[j];
          if (a.last < c.first || c.last < a.first || a.size === 0 || c.size === 0) continue;
          const disjoint = plan.offsets[i] + a.size <= plan.offsets[j] || plan.offsets[j] + c.size <= plan.offsets[i];
          expect(disjoint).toBe(true);
        }
      }
    }
  });

  it('reuses memory of dead buffers (a chain needs two buffers at a time)', () => {
    const plan = planArena([
      { size: 100, first: 0, last: 1 },
      { size: 100, first: 1, last: 2 },
      { size: 100, first: 2, last: 3 },
      { size: 100, first: 3, last: 4 },
    ]);
    expect(plan.size).toBe(200);
  });
});

describe('registry', () => {
  it('accepts another kernel set with the same signatures', () => {
    const def = cnn(51);
    let calls = 0;
    const base = referenceRegistry[OP_CONV_2D] as OpKernel<unknown>;
    const counting: OpKernel<unknown> = {
      name: 'CONV_2D (counting)',
      prepare: (op, graph) => base.prepare(op, graph),
      bind: (state, binding) => base.bind?.(state, binding),
      eval: (state, binding) => {
        calls++;
        base.eval(state, binding);
      },
    };
    const registry: OpRegistry = { ...referenceRegistry, [OP_CONV_2D]: counting };
    const engine = createGraphEngine(placeBody(encodeGraphBody(def)), inputSpecOf(def), outputSpecOf(def), registry);
    const x = new Prng(8).int8Array(engine.input.length);
    expect(runEngine(engine, x)).toEqual(referenceOutput(def, x));
    expect(calls).toBe(def.ops.filter((op) => op.op === 'CONV_2D').length);
  });
});
