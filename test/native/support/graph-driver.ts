// Run the native graph kernels on the desktop through test/native/graph-driver.c: build it (cached,
// optionally with sanitizers), feed it op records, and provide NativeGraphHosts that call it, so
// the kernel set of firmware/core/graph/native-kernels.ts runs its C kernels in Node.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { NativeGraphHosts } from '../../../firmware/core/graph/native-kernels';
import { ROOT, compile } from './cc';

export const GRAPH_SOURCES = readdirSync(path.join(ROOT, 'firmware/native/graph'))
  .filter((f) => f.endsWith('.c')).sort().map((f) => `firmware/native/graph/${f}`);

export const OP_CONV = 0, OP_DEPTHWISE = 1, OP_FC = 2, OP_MAX_POOL = 3, OP_AVG_POOL = 4, OP_SOFTMAX = 5;

export function buildGraphDriver(opts: { sanitize?: boolean; flags?: string[] } = {}): string {
  return compile({
    name: opts.sanitize === true ? 'graph-driver-asan' : 'graph-driver',
    sources: ['test/native/graph-driver.c', ...GRAPH_SOURCES],
    includes: ['firmware/native'],
    sanitize: opts.sanitize,
    flags: opts.flags,
  });
}

export interface OpRecord {
  readonly op: number;
  readonly params: Int32Array;
  readonly weights: Int8Array;
  readonly input: Int8Array;
  readonly outputLength: number;
}

function encode(records: readonly OpRecord[]): Buffer {
  const parts: Buffer[] = [];
  const int = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };
  const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  for (const r of records) {
    parts.push(int(r.op), int(r.params.length), bytes(r.params), int(r.weights.length), bytes(r.weights),
      int(r.input.length), bytes(r.input), int(r.outputLength));
  }
  return Buffer.concat(parts);
}

/** Runs the records in one driver process; returns each op's output. Extra args go to the driver. */
export function runDriver(exe: string, records: readonly OpRecord[], args: string[] = []): Int8Array[] {
  const run = spawnSync(exe, args, { input: encode(records), maxBuffer: 1 << 28 });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`${path.basename(exe)} exited with ${run.status ?? run.signal}:\n${run.stderr.toString()}`);
  const out = new Int8Array(run.stdout.buffer, run.stdout.byteOffset, run.stdout.length);
  const results: Int8Array[] = [];
  let at = 0;
  for (const r of records) {
    results.push(out.slice(at, at + r.outputLength));
    at += r.outputLength;
  }
  if (at !== out.length) throw new Error(`driver wrote ${out.length} bytes, expected ${at}`);
  return results;
}

function int32s(bytes: Uint8Array): Int32Array {
  return new Int32Array(bytes.slice().buffer);
}

/** Hosts that call `sink` with a copy of each call's record and its output view. */
export function hostsCalling(sink: (r: OpRecord, output: Int8Array) => void): NativeGraphHosts {
  const weighted = (op: number) => (params: Uint8Array, weights: Int8Array, input: Int8Array, output: Int8Array): void =>
    sink({ op, params: int32s(params), weights: weights.slice(), input: input.slice(), outputLength: output.length }, output);
  const pooling = (op: number) => (params: Uint8Array, input: Int8Array, output: Int8Array): void =>
    sink({ op, params: int32s(params), weights: new Int8Array(0), input: input.slice(), outputLength: output.length }, output);
  return {
    conv2d: weighted(OP_CONV),
    depthwiseConv2d: weighted(OP_DEPTHWISE),
    fullyConnected: weighted(OP_FC),
    maxPool2d: pooling(OP_MAX_POOL),
    averagePool2d: pooling(OP_AVG_POOL),
    softmax: pooling(OP_SOFTMAX),
  };
}

/** Hosts that run every call at once in its own driver process (for chained ops: whole models). */
export class ImmediateHosts {
  calls = 0;
  readonly hosts: NativeGraphHosts;

  constructor(exe: string) {
    this.hosts = hostsCalling((r, output) => {
      this.calls++;
      output.set(runDriver(exe, [r])[0]);
    });
  }
}

/** Hosts that only record calls; run() executes them all in one driver process, in call order. */
export class BatchHosts {
  readonly records: OpRecord[] = [];
  readonly hosts = hostsCalling((r) => { this.records.push(r); });

  run(exe: string): Int8Array[] {
    return runDriver(exe, this.records);
  }
}
