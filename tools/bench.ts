// `npm run bench [-- --json]`: for each reference model, package and arena bytes, Node
// microseconds per inference, XS computrons per inference (deterministic meter), XS heap
// allocated per inference after warm-up, and computrons per tree node visited or per
// multiply-accumulate; then the native C kernels against the reference ones in one native XS
// host (µs per inference) with callgrind instructions per MAC and per node; flash over serial;
// a fleet update over MQTT. A report, not a test: figures are printed, never asserted.
import { performance } from 'node:perf_hooks';
import { loadModel } from '../firmware/core/model';
import { KIND_DENSE, KIND_SPARSE } from '../firmware/core/trees/body';
import { TreeEngine } from '../firmware/core/trees/engine';
import { XsEngine } from '../sim/xs/engine-service';
import { FlashRow, runFlashBench } from './bench-flash';
import { describeFleetBench, runFleetBench } from './bench-fleet';
import { NATIVE_HEADER, NativeBenchRow, nativeRow, runNativeBench } from './bench-native';
import { nativeGraphCounts } from './native-graph-counts';
import { nativeTreeCounts } from './native-tree-counts';
import { ReferenceModel, referenceModels } from './reference-models';

export interface BenchRow {
  model: string;
  description: string;
  packageBytes: number;
  arenaBytes: number;
  nodeMicroseconds: number;
  xsComputrons: number;
  xsAllocatedBytes: number;
  workUnit: 'node' | 'MAC';
  workPerInference: number;
  computronsPerWork: number;
  /** Trees with leaf rows: XS computrons of the walk alone (every leaf found, nothing added). */
  xsWalkComputrons?: number;
}

/** Median over the inputs of Node time per inference, each timed over enough runs for ~50 ms. */
function nodeMicroseconds(model: ReferenceModel): number {
  const m = loadModel(model.bytes);
  const times: number[] = [];
  for (const input of model.inputs) {
    m.input.set(input);
    for (let i = 0; i < 20; i++) m.predict(); // warm-up
    let runs = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < 50 / model.inputs.length * 4) {
      for (let i = 0; i < 10; i++) m.predict();
      runs += 10;
      elapsed = performance.now() - start;
    }
    times.push((elapsed * 1000) / runs);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** Trees whose leaves are rows of class values, added after the walk finds them. */
function leafRows(model: ReferenceModel): boolean {
  const { engine } = loadModel(model.bytes);
  return engine instanceof TreeEngine && (engine.body.kind === KIND_DENSE || engine.body.kind === KIND_SPARSE);
}

export async function runBench(models: ReferenceModel[], onRow?: (row: BenchRow) => void): Promise<BenchRow[]> {
  const xs = await XsEngine.start();
  const rows: BenchRow[] = [];
  try {
    for (const model of models) {
      const info = await xs.load(model.bytes);
      const walkAlone = leafRows(model);
      let computrons = 0;
      let walk = 0;
      let work = 0;
      for (const input of model.inputs) {
        computrons += await xs.computronsPerInference(input, 3);
        if (walkAlone) walk += await xs.walkComputronsPerInference(input, 3);
        work += model.work(input).count;
      }
      const allocation = await xs.allocationPerInference();
      const row: BenchRow = {
        model: model.name,
        description: model.description,
        packageBytes: model.bytes.length,
        arenaBytes: info.arenaBytes,
        nodeMicroseconds: nodeMicroseconds(model),
        xsComputrons: computrons / model.inputs.length,
        xsAllocatedBytes: allocation.bytes,
        workUnit: model.work(model.inputs[0]).unit,
        workPerInference: work / model.inputs.length,
        computronsPerWork: computrons / work,
        ...(walkAlone ? { xsWalkComputrons: walk / model.inputs.length } : {}),
      };
      rows.push(row);
      onRow?.(row);
    }
  } finally {
    await xs.close();
  }
  return rows;
}

function formatRow(r: BenchRow): string {
  const cells = [
    r.model.padEnd(14),
    String(r.packageBytes).padStart(9),
    String(r.arenaBytes).padStart(8),
    r.nodeMicroseconds.toFixed(1).padStart(9),
    Math.round(r.xsComputrons).toLocaleString('en-US').padStart(12),
    String(r.xsAllocatedBytes).padStart(7),
    `${Math.round(r.workPerInference).toLocaleString('en-US')} ${r.workUnit}s`.padStart(13),
    r.computronsPerWork.toFixed(1).padStart(8),
  ];
  return cells.join('  ');
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  if (!json) {
    console.log('edgeml engine benchmark: the same firmware/core code in Node and in the XS engine');
    console.log('(XS computrons are deterministic; Node microseconds depend on this machine)\n');
    console.log(['model'.padEnd(14), 'package B'.padStart(9), 'arena B'.padStart(8), 'Node µs'.padStart(9), 'XS computrons'.padStart(12), 'XS alloc'.padStart(7), 'work'.padStart(13), 'per work'.padStart(8)].join('  '));
  }
  const models = await referenceModels();
  const rows = await runBench(models, json ? undefined : (row) => console.log(formatRow(row)));
  if (!json) {
    console.log('\nper work: XS computrons per tree node visited (trees) or per multiply-accumulate (CNNs)');
    console.log('targets: at most 25 per node, at most 18 per MAC; XS alloc must be 0 bytes');
    console.log('walk alone of the trees with leaf rows (every leaf found, nothing added, no class picked): their floor in XS');
    for (const r of rows) {
      if (r.xsWalkComputrons === undefined) continue;
      console.log(`  ${r.model}: ${Math.round(r.xsWalkComputrons).toLocaleString('en-US')} computrons, ${(r.xsWalkComputrons / r.workPerInference).toFixed(1)} per node`);
    }
    console.log('\nnative C kernels against the reference kernels, in the same native XS host (µs of this machine):');
    console.log(`  ${NATIVE_HEADER}`);
  }
  const native = await runNativeBench(models, json ? undefined : (r: NativeBenchRow) => console.log(`  ${nativeRow(r)}`));
  const graphCounts = await nativeGraphCounts();
  const treeCounts = await nativeTreeCounts();
  if (!json) {
    console.log('  goals: at least 100x for the CNNs, 20x for the tree ensembles');
    console.log('\nC kernels under callgrind (instructions, deterministic):');
    console.log('unavailable' in graphCounts ? `  per MAC: unavailable (${graphCounts.unavailable})`
      : `  ${graphCounts.instructionsPerMac.toFixed(2)} per multiply-accumulate (${graphCounts.byOp.map((o) => `${o.op} ${o.instructionsPerMac.toFixed(2)}`).join(', ')})`);
    console.log('unavailable' in treeCounts ? `  per node: unavailable (${treeCounts.unavailable})`
      : `  ${treeCounts.instructionsPerNode.toFixed(1)} per tree node visited (${treeCounts.byModel.map((m) => `${m.model} ${m.instructionsPerNode.toFixed(1)}`).join(', ')})`);
    console.log('\nflash over the serial protocol to a simulated device (real firmware in XS), signed package:');
  }
  const flash = await runFlashBench(json ? undefined : (r: FlashRow) => {
    console.log(`  ${r.link.padEnd(14)} ${r.packageBytes.toLocaleString('en-US')} B: ${r.wireBytesPerPayloadByte.toFixed(3)} wire bytes per payload byte (target 1.05), ` +
      `${r.roundTrips} round trips, ${r.requests} requests, ${r.retries} retries, ${r.seconds.toFixed(2)} s`);
  });
  const fleet = await runFleetBench();
  if (json) console.log(JSON.stringify({ engine: rows, native, graphCounts, treeCounts, flash, fleet }, null, 2));
  else console.log(`\nfleet update over MQTT (embedded broker, simulated devices running the real firmware):\n${describeFleetBench(fleet)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
