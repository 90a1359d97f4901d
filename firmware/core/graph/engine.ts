// The int8 graph engine (model kind 2): parse the body, check the graph's structure and its
// input/output against the package's INPUT and OUTPUT sections, prepare every op with a kernel
// from the registry, plan one arena for all activations and scratch, and bind views.
// run() executes the ops in order and copies the output tensor into `scores`; it allocates
// nothing.

import { fail } from '../errors';
import { DTYPE_INT8 } from '../engine';
import type { Engine, InputSpec, OutputSpec } from '../engine';
import { parseGraphBody } from './format';
import type { Graph } from './format';
import type { OpBinding, OpKernel, OpRegistry, TensorView } from './kernel';
import { planArena } from './planner';
import type { BufferRequest } from './planner';
import { lookupKernel, referenceRegistry } from './registry';

/** Largest arena the engine will allocate. */
export const MAX_ARENA_BYTES = 1 << 26;
/** Largest total of inner-loop iterations (multiply-accumulates, taps) per run. */
export const MAX_GRAPH_WORK = 2 ** 31;

export interface GraphEngine extends Engine {
  readonly input: Int8Array;
  /** The planned activation and scratch arena (part of arenaBytes). */
  readonly activationBytes: number;
  /** Prepared per-op state (multipliers, packed weights) kept in RAM (part of arenaBytes). */
  readonly persistentBytes: number;
  /** The parsed graph (tensor and op tables). */
  readonly graph: Graph;
  /** Run only the first `count` ops (profiling: the cost of op i is runOps(i + 1) - runOps(i)). */
  runOps(count: number): void;
}

export function createGraphEngine(body: Uint8Array, input: InputSpec, output: OutputSpec,
  registry: OpRegistry = referenceRegistry): GraphEngine {
  const graph = parseGraphBody(body);
  const { tensors, ops } = graph;
  const opCount = ops.length;

  // ---- structure: every activation is written by exactly one op, before it is read ----------
  const producer = new Int32Array(tensors.length).fill(-1);
  const lastUse = new Int32Array(tensors.length).fill(-1);
  const inTensor = tensors[graph.input];
  const outTensor = tensors[graph.output];
  if (inTensor.constant) fail('BAD_BODY', 'graph input is a constant tensor');
  if (outTensor.constant) fail('BAD_BODY', 'graph output is a constant tensor');
  for (let i = 0; i < opCount; i++) {
    const op = ops[i];
    for (const t of op.inputs) {
      if (tensors[t].constant) continue;
      if (t !== graph.input && producer[t] < 0) fail('BAD_BODY', `op ${i} reads tensor ${t} before it is written`);
      lastUse[t] = i;
    }
    const t = op.output;
    if (tensors[t].constant) fail('BAD_BODY', `op ${i} writes constant tensor ${t}`);
    if (t === graph.input) fail('BAD_BODY', `op ${i} writes the graph input`);
    if (producer[t] >= 0) fail('BAD_BODY', `tensor ${t} is written by ops ${producer[t]} and ${i}`);
    producer[t] = i;
  }
  if (producer[graph.output] < 0) fail('BAD_BODY', 'no op writes the graph output');

  // ---- the package's INPUT and OUTPUT sections must describe this graph ----------------------
  if (input.dtype !== DTYPE_INT8) fail('BAD_INPUT_SPEC', 'a graph takes int8 input');
  if (input.scales.length !== 1 || input.zeroPoints.length !== 1) {
    fail('BAD_INPUT_SPEC', 'a graph input is quantized per tensor');
  }
  if (input.elementCount !== inTensor.elementCount) {
    fail('BAD_INPUT_SPEC', `input has ${input.elementCount} elements, the graph takes ${inTensor.elementCount}`);
  }
  if (input.scales[0] !== inTensor.scale || input.zeroPoints[0] !== inTensor.zeroPoint) {
    fail('BAD_INPUT_SPEC', 'input scale or zero point differs from the graph input tensor');
  }
  if (output.scoreCount !== outTensor.elementCount) {
    fail('BAD_OUTPUT_SPEC', `score count ${output.scoreCount}, the graph output has ${outTensor.elementCount} elements`);
  }
  if (output.scale !== outTensor.scale || output.zeroPoint !== outTensor.zeroPoint) {
    fail('BAD_OUTPUT_SPEC', 'output scale or zero point differs from the graph output tensor');
  }

  // ---- prepare ------------------------------------------------------------------------------
  const kernels: OpKernel<unknown>[] = [];
  const states: unknown[] = [];
  const scratchBytes: number[] = [];
  let work = 0;
  for (let i = 0; i < opCount; i++) {
    const op = ops[i];
    const kernel = lookupKernel(registry, op.opcode);
    if (kernel === undefined) fail('UNKNOWN_OP', `op ${i}: opcode ${op.opcode}`);
    const prepared = kernel.prepare(op, graph);
    kernels.push(kernel);
    states.push(prepared.state);
    scratchBytes.push(prepared.scratchBytes);
    work += prepared.work;
    if (work > MAX_GRAPH_WORK) fail('TOO_LARGE', `the graph needs more than ${MAX_GRAPH_WORK} steps per run`);
  }

  // ---- buffers and lifetimes ----------------------------------------------------------------
  // root[t]: the tensor whose buffer t uses (itself, or the input of an aliasing op's chain).
  const root = new Int32Array(tensors.length);
  for (let t = 0; t < tensors.length; t++) root[t] = t;
  for (let i = 0; i < opCount; i++) {
    const op = ops[i];
    if (kernels[i].aliasesInput === true && !tensors[op.inputs[0]].constant) {
      root[op.output] = root[op.inputs[0]];
    }
  }
  const bufferOf = new Int32Array(tensors.length).fill(-1);
  const requests: { size: number; first: number; last: number }[] = [];
  const touch = (t: number, first: number, last: number): void => {
    const r = root[t];
    let id = bufferOf[r];
    if (id < 0) {
      id = requests.length;
      bufferOf[r] = id;
      requests.push({ size: tensors[r].elementCount, first, last });
    } else {
      const q = requests[id];
      if (first < q.first) q.first = first;
      if (last > q.last) q.last = last;
    }
  };
  // The graph input stays intact for the whole run, so run() can be repeated on one input.
  touch(graph.input, 0, opCount - 1);
  for (let t = 0; t < tensors.length; t++) {
    if (producer[t] < 0) continue;
    const last = t === graph.output ? opCount - 1 : (lastUse[t] > producer[t] ? lastUse[t] : producer[t]);
    touch(t, producer[t], last);
  }
  const scratchId: number[] = [];
  for (let i = 0; i < opCount; i++) {
    if (scratchBytes[i] > 0) {
      scratchId.push(requests.length);
      requests.push({ size: scratchBytes[i], first: i, last: i });
    } else {
      scratchId.push(-1);
    }
  }
  const plan = planArena(requests as BufferRequest[], 8);
  const arenaBytes = plan.size;
  if (arenaBytes > MAX_ARENA_BYTES) fail('TOO_LARGE', `the graph needs a ${arenaBytes}-byte arena`);
  let arena: ArrayBuffer;
  try {
    arena = new ArrayBuffer(arenaBytes);
  } catch {
    fail('TOO_LARGE', `cannot allocate a ${arenaBytes}-byte arena`);
  }
  const arena8 = new Int8Array(arena);

  // ---- views and bindings -------------------------------------------------------------------
  const views: (TensorView | null)[] = [];
  for (let t = 0; t < tensors.length; t++) {
    const tensor = tensors[t];
    const id = bufferOf[root[t]];
    if (tensor.constant) views.push(tensor.data);
    else if (id >= 0 && (t === graph.input || producer[t] >= 0)) {
      views.push(new Int8Array(arena, plan.offsets[id], tensor.elementCount));
    } else views.push(null);
  }
  const empty = new Int8Array(arena, 0, 0);
  const bindings: OpBinding[] = [];
  for (let i = 0; i < opCount; i++) {
    const op = ops[i];
    const inputs: TensorView[] = op.inputs.map((t) => views[t] as TensorView);
    const sid = scratchId[i];
    bindings.push({
      inputs,
      output: views[op.output] as Int8Array,
      scratch: sid >= 0 ? new Int8Array(arena, plan.offsets[sid], scratchBytes[i]) : empty,
      arena: arena8,
    });
  }

  for (let i = 0; i < opCount; i++) kernels[i].bind?.(states[i], bindings[i]);
  // One call per op that does something: the kernel's step, else its eval bound to the op's
  // state and binding. stepsBefore[n]: the steps of the first n ops (runOps).
  const steps: (() => void)[] = [];
  const stepsBefore = new Int32Array(opCount + 1);
  for (let i = 0; i < opCount; i++) {
    const kernel = kernels[i];
    const step = kernel.step === undefined ? kernel.eval.bind(kernel, states[i], bindings[i]) : kernel.step(states[i], bindings[i]);
    if (step !== null) steps.push(step);
    stepsBefore[i + 1] = steps.length;
  }
  const stepCount = steps.length;
  // What the kernels keep besides the arena (multipliers, packed weights) is RAM too: count every
  // buffer their states hold that is neither the package nor the arena.
  const persistentBytes = ownedBytes(states, [body.buffer, arena]);

  const inputView = views[graph.input] as Int8Array;
  const outputView = views[graph.output] as Int8Array;
  const scores = new Int32Array(outTensor.elementCount);

  return {
    input: inputView,
    scores,
    arenaBytes: arenaBytes + persistentBytes + scores.byteLength,
    activationBytes: arenaBytes,
    persistentBytes,
    graph,
    run(): void {
      for (let i = 0; i < stepCount; i++) steps[i]();
      scores.set(outputView); // int8 -> int32, one native call (scores has a buffer of its own)
    },
    runOps(n: number): void {
      const end = stepsBefore[n < opCount ? (n > 0 ? n : 0) : opCount];
      for (let i = 0; i < end; i++) steps[i]();
    },
  };
}

/** Bytes of the distinct buffers reachable from `value` (objects and arrays, a few levels deep), except `exclude`. */
function ownedBytes(value: unknown, exclude: ArrayBufferLike[]): number {
  const seen = new Set<ArrayBufferLike>(exclude);
  let total = 0;
  const visit = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || depth > 4) return;
    if (ArrayBuffer.isView(v)) {
      if (!seen.has(v.buffer)) { seen.add(v.buffer); total += v.buffer.byteLength; }
      return;
    }
    if (Array.isArray(v)) { for (const item of v) visit(item, depth + 1); return; }
    for (const key of Object.keys(v)) visit((v as Record<string, unknown>)[key], depth + 1);
  };
  visit(value, 0);
  return total;
}
