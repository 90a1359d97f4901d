// Native against reference kernels in the same native XS host (sim/xs-host) and the same run:
// wall-clock microseconds per inference for each reference model with the TypeScript
// reference kernels interpreted by XS and with the C kernels through their xsmc bindings, and
// the ratio (the goals: at least 100x for the CNNs, 20x for the tree ensembles), and XS
// computrons per inference both ways (deterministic). Both must give the same scores on the
// model's inputs, or there is no figure. Times are of this machine.
//
//   tsx tools/bench-native.ts [--json]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XsEngine } from '../sim/xs/engine-service';
import { ReferenceModel, referenceModels } from './reference-models';

export interface NativeBenchRow {
  model: string;
  workUnit: 'node' | 'MAC';
  /** Mean over the inputs measured. */
  workPerInference: number;
  referenceMicroseconds: number;
  nativeMicroseconds: number;
  /** reference / native */
  speedup: number;
  /** XS computrons per inference (the interpreter's work; the C code costs none). */
  referenceComputrons: number;
  nativeComputrons: number;
}

/** Inputs timed per model (the rest only check that both kernels agree). */
const TIMED_INPUTS = 4;

async function measure(xs: XsEngine, model: ReferenceModel, kernels: 'native' | 'reference'): Promise<{ us: number; computrons: number; scores: string }> {
  await xs.useKernels(kernels);
  await xs.load(model.bytes);
  const scores = JSON.stringify((await xs.predict(model.inputs)).map((p) => Array.from(p.scores)));
  let us = 0;
  let computrons = 0;
  const timed = model.inputs.slice(0, TIMED_INPUTS);
  for (const input of timed) {
    us += await xs.microsecondsPerInference(input);
    computrons += await xs.computronsPerInference(input);
  }
  return { us: us / timed.length, computrons: computrons / timed.length, scores };
}

export async function runNativeBench(models?: ReferenceModel[], onRow?: (row: NativeBenchRow) => void): Promise<NativeBenchRow[]> {
  const list = models ?? await referenceModels();
  const xs = await XsEngine.start({ native: true });
  const rows: NativeBenchRow[] = [];
  try {
    for (const model of list) {
      const reference = await measure(xs, model, 'reference');
      const native = await measure(xs, model, 'native');
      if (native.scores !== reference.scores) throw new Error(`${model.name}: the native kernels disagree with the reference kernels`);
      const timed = model.inputs.slice(0, TIMED_INPUTS);
      const row: NativeBenchRow = {
        model: model.name,
        workUnit: model.work(timed[0]).unit,
        workPerInference: timed.reduce((a, x) => a + model.work(x).count, 0) / timed.length,
        referenceMicroseconds: reference.us,
        nativeMicroseconds: native.us,
        speedup: reference.us / native.us,
        referenceComputrons: reference.computrons,
        nativeComputrons: native.computrons,
      };
      rows.push(row);
      onRow?.(row);
    }
  } finally {
    await xs.close();
  }
  return rows;
}

export const NATIVE_HEADER = `${'model'.padEnd(16)} ${'work'.padStart(14)} ${'reference µs'.padStart(13)} ${'native µs'.padStart(10)} ${'ratio'.padStart(7)}  XS computrons per inference, reference / native`;

export function nativeRow(r: NativeBenchRow): string {
  return `${r.model.padEnd(16)} ${`${Math.round(r.workPerInference).toLocaleString('en-US')} ${r.workUnit}s`.padStart(14)} ${r.referenceMicroseconds.toFixed(1).padStart(13)} ` +
    `${r.nativeMicroseconds.toFixed(2).padStart(10)} ${`${r.speedup.toFixed(0)}x`.padStart(7)}  ${Math.round(r.referenceComputrons).toLocaleString('en-US')} / ${Math.round(r.nativeComputrons).toLocaleString('en-US')}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const json = process.argv.includes('--json');
  if (!json) console.log(NATIVE_HEADER);
  runNativeBench(undefined, (r) => console.log(json ? JSON.stringify(r) : nativeRow(r))).catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  });
}
