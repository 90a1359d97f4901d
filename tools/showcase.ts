// `npm run demo` (until the full device demo lands): loads the bundled reference models,
// runs them with the very same firmware/core code in Node and inside the real XS engine,
// and shows that both give identical answers, with what each inference costs.
import { readFileSync } from 'node:fs';
import { loadModel } from '../firmware/core/model';
import { alignedCopy } from '../host/package/read';
import { XsEngine } from '../sim/xs/engine-service';
import { runBench } from './bench';
import { ReferenceModel, referenceModels } from './reference-models';
import { modelPath } from './write-reference-models';

const SAMPLES = 4;

function bundled(model: ReferenceModel): Uint8Array {
  const bytes = alignedCopy(readFileSync(modelPath(model.name)));
  if (!Buffer.from(bytes).equals(Buffer.from(model.bytes))) {
    throw new Error(`${modelPath(model.name)} is out of date: run npm run models`);
  }
  return bytes;
}

function describeScores(scores: ArrayLike<number>): string {
  const list = Array.from(scores);
  return list.length > 6 ? `[${list.slice(0, 6).join(', ')}, …]` : `[${list.join(', ')}]`;
}

async function main(): Promise<void> {
  const models = await referenceModels();
  console.log('edgeml engine showcase: the same model bytes, the same code, in Node and in the XS engine\n');
  const xs = await XsEngine.start();
  try {
    for (const reference of models) {
      const bytes = bundled(reference);
      const model = loadModel(bytes);
      await xs.load(bytes);
      const nodeCheck = model.selfTest();
      const xsCheck = await xs.selfTest();
      console.log(`${reference.name}: ${reference.description}`);
      console.log(`  package ${bytes.length.toLocaleString('en-US')} B, arena ${model.arenaBytes.toLocaleString('en-US')} B, ` +
        `self-test ${nodeCheck.passed ? 'passed' : 'FAILED'} in Node, ${xsCheck.passed ? 'passed' : 'FAILED'} in XS (${nodeCheck.count} vectors)`);
      const fromXs = await xs.predict(reference.inputs);
      const labels = model.outputSpec.labels;
      let identical = 0;
      let correct = 0;
      reference.inputs.forEach((input, i) => {
        model.input.set(input);
        const predicted = model.predict();
        const same = fromXs[i].predictedClass === predicted && fromXs[i].scores.every((s, k) => s === model.scores[k]);
        if (same) identical++;
        if (reference.labels && predicted === reference.labels[i]) correct++;
        if (i < SAMPLES) {
          const truth = reference.labels ? `  (true: ${labels[reference.labels[i]]})` : '';
          console.log(`  input ${i + 1}: Node says ${labels[predicted] ?? predicted} ${describeScores(model.scores)}, XS says ${labels[fromXs[i].predictedClass] ?? fromXs[i].predictedClass}: ${same ? 'identical' : 'DIFFERENT'}${truth}`);
        }
      });
      const n = reference.inputs.length;
      console.log(`  ${identical} of ${n} inputs give identical scores in Node and XS` +
        (reference.labels ? `; ${correct} of ${n} held-out digits classified correctly` : ' (random weights: the answers mean nothing, the agreement does)'));
      console.log('');
    }
  } finally {
    await xs.close();
  }
  console.log('cost per inference (npm run bench for the full report):');
  await runBench(models, (row) => {
    console.log(`  ${row.model.padEnd(14)} Node ${row.nodeMicroseconds.toFixed(1).padStart(7)} µs   XS ${Math.round(row.xsComputrons).toLocaleString('en-US').padStart(10)} computrons ` +
      `(${row.computronsPerWork.toFixed(1)} per ${row.workUnit})   XS heap allocated ${row.xsAllocatedBytes} B`);
  });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
