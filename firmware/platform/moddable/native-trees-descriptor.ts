// The int32 descriptor the C tree walk reads (firmware/native/edgeml_trees.h, EDGEML_TD_*):
// the kind, counts and element widths of a validated tree body, the byte offsets of its arrays
// in the package buffer, and how the scores name a class (the output's task and zero point).
// Built once at load; plain TypeScript so Node tests share it.
import { OutputSpec, TASK_CLASSIFICATION } from '../../core/engine';
import { KIND_DENSE, KIND_SPARSE, TreeBody } from '../../core/trees/body';

/** EDGEML_TD_LENGTH */
export const TREE_DESCRIPTOR_LENGTH = 23;

/** The descriptor of `body`, and the buffer its offsets are relative to. Without `output`, the
 * walk gives no class (-1, as for regression). */
export function treeDescriptor(body: TreeBody, output?: OutputSpec): { descriptor: Int32Array; buffer: ArrayBufferLike } {
  const table = body.kind === KIND_DENSE || body.kind === KIND_SPARSE;
  const classify = output?.task === TASK_CLASSIFICATION;
  const descriptor = new Int32Array([
    body.kind, body.split, body.treeCount, body.entryCount, body.featureCount,
    body.base.length, body.leafWidth, table ? body.leaves.length : 0, body.unit,
    body.features.BYTES_PER_ELEMENT, body.thresholds.BYTES_PER_ELEMENT, body.right.BYTES_PER_ELEMENT, table ? body.leaves.BYTES_PER_ELEMENT : 0,
    body.features.byteOffset, body.thresholds.byteOffset, body.right.byteOffset, body.rootLeft.byteOffset,
    body.treeOutput.byteOffset, body.leaves.byteOffset, body.classes.byteOffset, body.base.byteOffset,
    classify ? 1 : 0, classify ? output.zeroPoint : 0,
  ]);
  return { descriptor, buffer: body.features.buffer };
}
