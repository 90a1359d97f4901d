// Everything in a package, as plain data: what `edgeml inspect` prints (and --json emits).
import { createHash } from 'node:crypto';
import { TASK_CLASSIFICATION } from '../../firmware/core/engine';
import { OP_ADD, OP_AVERAGE_POOL_2D, OP_CONV_2D, OP_DEPTHWISE_CONV_2D, OP_FULLY_CONNECTED, OP_MAX_POOL_2D, OP_RESHAPE, OP_SOFTMAX } from '../../firmware/core/graph/format';
import type { GraphEngine } from '../../firmware/core/graph/engine';
import { Model } from '../../firmware/core/model';
import { parseContainer } from '../../firmware/core/package/container';
import { KIND_TREES } from '../../firmware/core/package/layout';
import { TreeEngine } from '../../firmware/core/trees/engine';
import { ENSEMBLE_BOOSTING, ENSEMBLE_HARD_VOTE, ENSEMBLE_SINGLE, ENSEMBLE_SOFT_VOTE, LEAF_DENSE, LEAF_INLINE, SPLIT_LT } from '../../firmware/core/trees/body';
import { keyIdOf, verifySignature } from './signing';

const SECTION_NAMES = ['', 'INPUT', 'OUTPUT', 'BODY', 'FEATURES', 'SELFTEST', 'SIGNATURE'];
const OP_NAMES: Record<number, string> = {
  [OP_ADD]: 'ADD', [OP_AVERAGE_POOL_2D]: 'AVERAGE_POOL_2D', [OP_CONV_2D]: 'CONV_2D', [OP_DEPTHWISE_CONV_2D]: 'DEPTHWISE_CONV_2D',
  [OP_FULLY_CONNECTED]: 'FULLY_CONNECTED', [OP_MAX_POOL_2D]: 'MAX_POOL_2D', [OP_RESHAPE]: 'RESHAPE', [OP_SOFTMAX]: 'SOFTMAX',
};
const ENSEMBLE_NAMES: Record<number, string> = {
  [ENSEMBLE_SINGLE]: 'decision tree', [ENSEMBLE_SOFT_VOTE]: 'forest, soft vote', [ENSEMBLE_HARD_VOTE]: 'forest, hard vote', [ENSEMBLE_BOOSTING]: 'gradient boosting',
};

export interface PackageReport {
  file?: string;
  bytes: number;
  sha256: string;
  header: Model['header'] & { createdAtIso: string; kindName: string };
  sections: { type: string; offset: number; length: number }[];
  input: { dtype: string; dims: number[]; quantization: string };
  output: { task: string; classes: number; scores: number; scale: number; zeroPoint: number; labels: string[] };
  body: Record<string, unknown>;
  arenaBytes: number;
  features: { pipelineType: number; bytes: number } | null;
  selfTest: { vectors: number; passed: boolean; failedVector: number };
  signature: { present: boolean; keyId?: string; signedBytes?: number; verified?: boolean | null };
}

export function describePackage(bytes: Uint8Array, model: Model, publicKeyPem?: string): PackageReport {
  const container = parseContainer(bytes);
  const sections = container.sections.flatMap((s, type) => (s ? [{ type: SECTION_NAMES[type], offset: s.byteOffset - bytes.byteOffset, length: s.length }] : []));
  const { inputSpec: input, outputSpec: output } = model;
  const check = model.selfTest();
  let verified: boolean | null = null;
  if (model.signature && publicKeyPem) {
    const sameKey = Buffer.from(model.signature.keyId).equals(Buffer.from(keyIdOf(publicKeyPem)));
    verified = sameKey && verifySignature(publicKeyPem, model.signedBytes(), model.signature.signature);
  }
  return {
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    header: { ...model.header, createdAtIso: new Date(model.header.createdAt * 1000).toISOString(), kindName: model.header.kind === KIND_TREES ? 'tree ensemble' : 'int8 graph' },
    sections,
    input: {
      dtype: input.dtype === 1 ? 'int8' : 'int16',
      dims: [...input.dims],
      quantization: input.scales.length === 1 ? `per tensor: scale ${input.scales[0]}, zero point ${input.zeroPoints[0]}` : `per feature (${input.scales.length} affine maps)`,
    },
    output: {
      task: output.task === TASK_CLASSIFICATION ? 'classification' : 'regression',
      classes: output.classCount,
      scores: output.scoreCount,
      scale: output.scale,
      zeroPoint: output.zeroPoint,
      labels: [...output.labels],
    },
    body: model.engine instanceof TreeEngine ? describeTrees(model.engine) : describeGraph(model.engine as GraphEngine),
    arenaBytes: model.arenaBytes,
    features: model.features ? { pipelineType: model.features[0] | (model.features[1] << 8), bytes: model.features.length } : null,
    selfTest: { vectors: check.count, passed: check.passed, failedVector: check.failedVector },
    signature: model.signature
      ? { present: true, keyId: Buffer.from(model.signature.keyId).toString('hex'), signedBytes: model.signedBytes().length, verified }
      : { present: false },
  };
}

function describeTrees(engine: TreeEngine): Record<string, unknown> {
  const b = engine.body;
  return {
    ensemble: ENSEMBLE_NAMES[b.ensemble],
    split: b.split === SPLIT_LT ? 'x < t goes left' : 'x <= t goes left',
    trees: b.treeCount,
    internalNodes: b.internalNodeCount,
    leaves: b.leafCount,
    maxDepth: b.maxDepth,
    leafEncoding: b.leafEncoding === LEAF_INLINE ? 'inline values' : b.leafEncoding === LEAF_DENSE ? `dense rows of ${b.leafWidth}` : 'sparse (class, value) runs',
    valueType: b.leaves instanceof Int16Array ? 'int16' : 'int32',
    features: b.featureCount,
  };
}

function describeGraph(engine: GraphEngine): Record<string, unknown> {
  const { tensors, ops } = engine.graph;
  const weights = tensors.filter((t) => t.constant).reduce((n, t) => n + t.elementCount * (t.dtype === 1 ? 1 : 4), 0);
  return {
    tensors: tensors.length,
    constantBytes: weights,
    ops: ops.map((op) => ({
      op: OP_NAMES[op.opcode] ?? `op ${op.opcode}`,
      output: tensors[op.output].dims.join('x'),
      ...(op.opcode === OP_CONV_2D || op.opcode === OP_DEPTHWISE_CONV_2D || op.opcode === OP_FULLY_CONNECTED ? { weights: tensors[op.inputs[1]].dims.join('x') } : {}),
    })),
  };
}
