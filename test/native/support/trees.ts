// The C tree walk called directly on the host: test/native/trees/driver.c compiled with the
// kernel (cc.ts), fed the same descriptor the xsmc binding gets; per input, the scores and the
// class the binding returns.
import { spawnSync } from 'node:child_process';
import type { OutputSpec } from '../../../firmware/core/engine';
import { TreeBody } from '../../../firmware/core/trees/body';
import { treeDescriptor } from '../../../firmware/platform/moddable/native-trees-descriptor';
import { compile } from './cc';

export const TREE_SOURCES = ['firmware/native/trees/trees_bind.c', 'firmware/native/trees/trees_walk.c', 'test/native/trees/driver.c'];

/** The driver executable (cached), optionally with ASan/UBSan. */
export function treeDriver(sanitize = false): string {
  return compile({ name: sanitize ? 'trees-asan' : 'trees', sources: TREE_SOURCES, includes: ['firmware/native'], sanitize });
}

/** The driver's stdin for `body` (descriptor, its whole buffer) and the inputs; the classes
 * come out as `output` names them (without it, -1). */
export function driverInput(body: TreeBody, inputs: readonly ArrayLike<number>[], output?: OutputSpec, descriptor = treeDescriptor(body, output).descriptor): Uint8Array {
  const buffer = new Uint8Array(body.features.buffer);
  const features = body.featureCount;
  const out = new Uint8Array(4 + descriptor.byteLength + 4 + buffer.length + 8 + 2 * inputs.length * features);
  const view = new DataView(out.buffer);
  let at = 0;
  view.setUint32(at, descriptor.length, true); at += 4;
  out.set(new Uint8Array(descriptor.buffer, descriptor.byteOffset, descriptor.byteLength), at); at += descriptor.byteLength;
  view.setUint32(at, buffer.length, true); at += 4;
  out.set(buffer, at); at += buffer.length;
  view.setUint32(at, inputs.length, true); at += 4;
  view.setUint32(at, features, true); at += 4;
  for (const x of inputs) for (let i = 0; i < features; i++, at += 2) view.setInt16(at, x[i], true);
  return out;
}

export interface DriverRun { status: number | null; stderr: string; scores: Int32Array[]; classes: number[] }

/** Runs the driver (under `wrap`, e.g. valgrind, when given) on `input`. */
export function runDriver(exe: string, input: Uint8Array, scoreCount: number, wrap: readonly string[] = []): DriverRun {
  const [cmd, ...args] = [...wrap, exe];
  const run = spawnSync(cmd, args, { input, maxBuffer: 1 << 28 });
  if (run.error) throw run.error;
  const out = new Int32Array(run.stdout.buffer.slice(run.stdout.byteOffset, run.stdout.byteOffset + run.stdout.byteLength));
  const scores = [];
  const classes = [];
  for (let i = 0; i + scoreCount + 1 <= out.length; i += scoreCount + 1) {
    scores.push(out.slice(i, i + scoreCount));
    classes.push(out[i + scoreCount]);
  }
  return { status: run.status, stderr: run.stderr.toString(), scores, classes };
}
