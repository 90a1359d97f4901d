// Device entry point (model showcase until the full application lands): loads the model
// bundled as a resource, checks its self-test and reports the cost of one inference.
import Resource from 'Resource';
import { loadModel, Model } from 'core/model';

function openModel(path: string): Model {
  let bytes = new Uint8Array(new Resource(path) as unknown as ArrayBuffer);
  if ((bytes.byteOffset & 3) !== 0) bytes = bytes.slice(); // the format wants 4-byte alignment
  return loadModel(bytes);
}

const model = openModel('model.edgm');
const check = model.selfTest();
trace(`edgeml: ${model.header.name} v${model.header.modelVersion}, arena ${model.arenaBytes} B, self-test ${check.passed ? 'passed' : 'FAILED at vector ' + check.failedVector} (${check.count} vectors)\n`);
const runs = 20;
const start = Date.now();
let predicted = -1;
for (let i = 0; i < runs; i++) predicted = model.predict();
trace(`edgeml: class ${predicted} (${model.outputSpec.labels[predicted] ?? ''}), ${((Date.now() - start) / runs).toFixed(2)} ms per inference\n`);
