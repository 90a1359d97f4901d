// Instructions per tree node visited of the C tree walk (firmware/native/trees), counted by
// valgrind's callgrind on the host: deterministic, so comparable across machines, unlike times.
// The workload: the reference forests (rf-10x8, gbdt-100x10) on their test inputs, through the
// test driver built at -O2; only edgeml_trees_run is counted (--toggle-collect): the base
// scores, every walk and every leaf's contribution, divided by the internal nodes visited.
//
//   tsx tools/native-tree-counts.ts   prints the figures

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../firmware/core/model';
import { TreeEngine } from '../firmware/core/trees/engine';
import { driverInput, runDriver, treeDriver } from '../test/native/support/trees';
import { nodesVisited, referenceModels } from './reference-models';

export interface ModelTreeCount {
  readonly model: string;
  readonly inferences: number;
  readonly nodes: number;
  readonly instructions: number;
  readonly instructionsPerNode: number;
}

export interface NativeTreeCounts {
  /** Over the whole workload. */
  readonly instructionsPerNode: number;
  readonly nodes: number;
  readonly instructions: number;
  readonly byModel: readonly ModelTreeCount[];
}

export type NativeTreeCountsResult = NativeTreeCounts | { readonly unavailable: string };

export async function nativeTreeCounts(): Promise<NativeTreeCountsResult> {
  const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { unavailable: 'valgrind is not installed (callgrind counts the instructions)' };
  const exe = treeDriver();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeml-callgrind-'));
  try {
    const byModel: ModelTreeCount[] = [];
    for (const m of (await referenceModels()).filter((r) => r.work(r.inputs[0]).unit === 'node')) {
      const engine = loadModel(m.bytes).engine as TreeEngine;
      const out = path.join(dir, `${m.name}.callgrind`);
      const run = runDriver(exe, driverInput(engine.body, m.inputs), engine.scores.length,
        ['valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`, '--toggle-collect=edgeml_trees_run']);
      if (run.status !== 0) throw new Error(`the tree driver under callgrind exited with ${run.status}: ${run.stderr}`);
      const total = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(out, 'utf8'));
      if (!total) throw new Error(`no instruction total in ${out}`);
      const instructions = Number(total[1]);
      const nodes = m.inputs.reduce((a, x) => a + nodesVisited(engine, x), 0);
      byModel.push({ model: m.name, inferences: m.inputs.length, nodes, instructions, instructionsPerNode: instructions / nodes });
    }
    const nodes = byModel.reduce((a, r) => a + r.nodes, 0);
    const instructions = byModel.reduce((a, r) => a + r.instructions, 0);
    return { instructionsPerNode: instructions / nodes, nodes, instructions, byModel };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  nativeTreeCounts().then((r) => {
    if ('unavailable' in r) {
      console.log(`native tree walk: no instruction counts (${r.unavailable})`);
      return;
    }
    for (const m of r.byModel) {
      console.log(`${m.model.padEnd(12)} ${m.nodes.toString().padStart(7)} nodes ${m.instructions.toString().padStart(9)} instructions  ${m.instructionsPerNode.toFixed(2)} per node`);
    }
    console.log(`${'all'.padEnd(12)} ${r.nodes.toString().padStart(7)} nodes ${r.instructions.toString().padStart(9)} instructions  ${r.instructionsPerNode.toFixed(2)} per node`);
  }, (err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  });
}
