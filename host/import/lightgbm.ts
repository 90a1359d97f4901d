// LightGBM models dumped with booster.dump_model() (JSON): nested tree_structure nodes with
// numerical `<=` splits; missing values follow default_left (missing_type NaN), or are read
// as 0 (missing_type None), as LightGBM does.
import { FloatEnsemble, FloatTree, ImportError, Objective, checkTree } from './ensemble';

type Json = Record<string, unknown>;

function objectiveOf(text: string): { objective: Objective; classes: number } {
  const [name, ...params] = text.split(' ');
  const param = (key: string) => params.find((p) => p.startsWith(`${key}:`))?.slice(key.length + 1);
  if (name === 'binary') {
    if (param('sigmoid') !== undefined && Number(param('sigmoid')) <= 0) throw new ImportError(`binary objective with sigmoid ${param('sigmoid')}`);
    return { objective: 'logistic', classes: 2 };
  }
  if (name === 'multiclass' || name === 'softmax') return { objective: 'softmax', classes: Number(param('num_class')) };
  if (['regression', 'regression_l2', 'regression_l1', 'huber', 'fair', 'quantile', 'mape'].includes(name)) return { objective: 'regression', classes: 0 };
  throw new ImportError(`unsupported LightGBM objective "${text}" (supported: binary, multiclass, regression)`);
}

export function parseLightgbm(json: unknown): FloatEnsemble {
  if (json === null || typeof json !== 'object') throw new ImportError('not a LightGBM JSON dump');
  const root = json as Json;
  if (!Array.isArray(root.tree_info) || typeof root.objective !== 'string') throw new ImportError('not a LightGBM JSON dump: missing "tree_info" or "objective"');
  const { objective, classes } = objectiveOf(root.objective);
  const perIteration = Number(root.num_tree_per_iteration ?? 1);
  const outputs = objective === 'softmax' ? classes : 1;
  if (!(outputs >= 1) || perIteration !== outputs) throw new ImportError(`num_tree_per_iteration ${perIteration} does not fit ${outputs} outputs`);
  if (root.average_output) throw new ImportError('random-forest mode (average_output) is not supported');
  const featureCount = Number(root.max_feature_idx) + 1;
  if (!(featureCount >= 1)) throw new ImportError('max_feature_idx is missing');

  const trees = (root.tree_info as Json[]).map((info, t) => {
    const where = `tree ${t}`;
    const nodes: Json[] = [];
    const feature: number[] = [];
    const threshold: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const defaultLeft: number[] = [];
    const value: number[] = [];
    const visit = (node: unknown, depth: number): number => {
      if (node === null || typeof node !== 'object') throw new ImportError(`${where}: malformed node`);
      if (depth > 256) throw new ImportError(`${where}: deeper than 256 levels`);
      const n = node as Json;
      const at = nodes.length;
      nodes.push(n);
      feature.push(-1); threshold.push(0); left.push(-1); right.push(-1); defaultLeft.push(1); value.push(0);
      if ('leaf_value' in n || !('split_feature' in n)) {
        value[at] = Number(n.leaf_value);
        return at;
      }
      if (n.decision_type !== '<=') throw new ImportError(`${where}: decision type "${String(n.decision_type)}" is not supported (categorical splits)`);
      const t = Number(n.threshold);
      const missing = String(n.missing_type ?? 'None');
      let goesLeft = n.default_left === true;
      if (missing === 'None') goesLeft = 0 <= t; // LightGBM reads NaN as 0
      else if (missing === 'Zero' && (0 <= t) !== goesLeft) {
        throw new ImportError(`${where}: missing_type Zero with zeros sent against their comparison is not supported`);
      } else if (missing !== 'NaN' && missing !== 'Zero') throw new ImportError(`${where}: missing_type "${missing}"`);
      feature[at] = Number(n.split_feature);
      threshold[at] = t;
      defaultLeft[at] = goesLeft ? 1 : 0;
      left[at] = visit(n.left_child, depth + 1);
      right[at] = visit(n.right_child, depth + 1);
      return at;
    };
    visit((info as Json).tree_structure, 0);
    const tree: FloatTree = {
      feature: Int32Array.from(feature), threshold: Float64Array.from(threshold),
      left: Int32Array.from(left), right: Int32Array.from(right),
      defaultLeft: Uint8Array.from(defaultLeft), value: Float64Array.from(value),
    };
    checkTree(tree, featureCount, where);
    return tree;
  });
  const names = root.feature_names;
  return {
    source: 'lightgbm',
    split: 'le',
    objective,
    featureCount,
    outputs,
    baseMargin: new Array<number>(outputs).fill(0), // LightGBM folds the initial score into the first trees
    trees,
    treeOutput: trees.map((_, t) => t % outputs),
    featureNames: Array.isArray(names) && names.length === featureCount ? (names as string[]) : undefined,
  };
}
