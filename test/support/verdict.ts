// What Node's reference engine makes of a (possibly hostile) package, as one comparable string:
// the ModelError code it is refused with, or its self-test outcome and scores. The XS tests
// expect the engine in XS (reference or native kernels) to reach the same verdict.
import { ModelError } from '../../firmware/core/errors';
import { loadModel } from '../../firmware/core/model';
import { alignedCopy } from '../../host/package/read';

export function nodeVerdict(bytes: Uint8Array): string {
  try {
    const m = loadModel(alignedCopy(bytes));
    m.predict();
    const check = m.selfTest();
    return `OK ${check.passed ? 'pass' : 'fail'} ${Array.from(m.scores).join(',')}`;
  } catch (e) {
    if (e instanceof ModelError) return e.code;
    throw e;
  }
}
