// A package definition around an int8 graph: INPUT and OUTPUT specs taken from the graph's
// own input and output tensors, so they always agree with the body.
import { DTYPE_INT8, POST_PROBABILITY, POST_SOFTMAX, TASK_CLASSIFICATION } from '../../firmware/core/engine';
import { KIND_GRAPH } from '../../firmware/core/package/layout';
import type { PackageDef } from './encode';
import { GraphDef, encodeGraphBody } from './graph-body';

export interface GraphPackageOptions {
  name: string;
  labels?: string[];
  modelVersion?: number;
  createdAt?: number;
  features?: Uint8Array;
}

export function graphPackageDef(def: GraphDef, options: GraphPackageOptions): Omit<PackageDef, 'selfTest'> {
  const input = def.tensors[def.input];
  const output = def.tensors[def.output];
  const classes = output.shape.reduce((a, b) => a * b, 1);
  const endsInSoftmax = def.ops.some((op) => op.output === def.output && op.op === 'SOFTMAX');
  return {
    kind: KIND_GRAPH,
    name: options.name,
    modelVersion: options.modelVersion ?? 1,
    createdAt: options.createdAt ?? Math.floor(Date.now() / 1000),
    input: { dtype: DTYPE_INT8, dims: [...input.shape], scales: [input.scale as number], zeroPoints: [input.zeroPoint ?? 0] },
    output: {
      task: TASK_CLASSIFICATION,
      postprocess: endsInSoftmax ? POST_PROBABILITY : POST_SOFTMAX,
      classCount: classes,
      scoreCount: classes,
      scale: output.scale as number,
      zeroPoint: output.zeroPoint ?? 0,
      labels: options.labels ?? [],
    },
    body: encodeGraphBody(def),
    features: options.features,
  };
}
