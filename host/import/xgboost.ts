// XGBoost models saved with save_model('model.json') (XGBoost 1.x/2.x JSON): gbtree boosters
// with numerical splits; go left when x < t; missing values follow default_left.
import { FloatEnsemble, FloatTree, ImportError, Objective, checkTree } from './ensemble';

const OBJECTIVES: Record<string, Objective> = {
  'multi:softprob': 'softmax',
  'multi:softmax': 'softmax',
  'binary:logistic': 'logistic',
  'binary:logitraw': 'logistic',
  'reg:squarederror': 'regression',
  'reg:linear': 'regression',
  'reg:pseudohubererror': 'regression',
  'reg:absoluteerror': 'regression',
};

type Json = Record<string, unknown>;

function field<T>(obj: unknown, path: string): T {
  let at: unknown = obj;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object' || !(key in (at as Json))) throw new ImportError(`not an XGBoost JSON model: missing "${path}"`);
    at = (at as Json)[key];
  }
  return at as T;
}

function numberArray(tree: Json, key: string, n: number, where: string): number[] {
  const v = tree[key];
  if (!Array.isArray(v) || v.length !== n || v.some((x) => typeof x !== 'number')) throw new ImportError(`${where}: "${key}" must be ${n} numbers`);
  return v as number[];
}

export function parseXgboost(json: unknown): FloatEnsemble {
  const learner = field<Json>(json, 'learner');
  const objectiveName = field<string>(learner, 'objective.name');
  const objective = OBJECTIVES[objectiveName];
  if (!objective) throw new ImportError(`unsupported XGBoost objective "${objectiveName}" (supported: ${Object.keys(OBJECTIVES).join(', ')})`);
  const booster = field<string>(learner, 'gradient_booster.name');
  if (booster !== 'gbtree') throw new ImportError(`unsupported XGBoost booster "${booster}" (only gbtree)`);
  const params = field<Json>(learner, 'learner_model_param');
  const featureCount = Number(params.num_feature);
  const numClass = Number(params.num_class ?? 0);
  const baseScore = Number(params.base_score);
  if (!(featureCount > 0) || !Number.isFinite(baseScore)) throw new ImportError('learner_model_param has no usable num_feature / base_score');
  if (Number(params.num_target ?? 1) !== 1) throw new ImportError('multi-target XGBoost models are not supported');
  const outputs = objective === 'softmax' ? numClass : 1;
  if (objective === 'softmax' && !(numClass >= 2)) throw new ImportError(`a softmax objective with num_class ${numClass}`);

  const model = field<Json>(learner, 'gradient_booster.model');
  const rawTrees = field<Json[]>(model, 'trees');
  const treeInfo = field<number[]>(model, 'tree_info');
  if (!Array.isArray(rawTrees) || !Array.isArray(treeInfo) || treeInfo.length !== rawTrees.length) throw new ImportError('trees and tree_info differ in length');

  const trees: FloatTree[] = rawTrees.map((t, i) => {
    const where = `tree ${i}`;
    const n = Array.isArray(t.left_children) ? t.left_children.length : 0;
    if (n === 0) throw new ImportError(`${where}: no nodes`);
    const left = numberArray(t, 'left_children', n, where);
    const right = numberArray(t, 'right_children', n, where);
    const indices = numberArray(t, 'split_indices', n, where);
    const conditions = numberArray(t, 'split_conditions', n, where);
    const defaults = numberArray(t, 'default_left', n, where);
    const types = t.split_type === undefined ? new Array<number>(n).fill(0) : numberArray(t, 'split_type', n, where);
    const tree: FloatTree = {
      feature: Int32Array.from(left, (l, k) => (l === -1 ? -1 : indices[k])),
      threshold: Float64Array.from(conditions),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      defaultLeft: Uint8Array.from(defaults, (d) => (d ? 1 : 0)),
      value: Float64Array.from(conditions), // a leaf keeps its value in split_conditions
    };
    types.forEach((s, k) => {
      if (s !== 0 && left[k] !== -1) throw new ImportError(`${where}: categorical splits are not supported`);
    });
    checkTree(tree, featureCount, where);
    return tree;
  });
  const treeOutput = treeInfo.map((c, i) => {
    if (!Number.isInteger(c) || c < 0 || c >= outputs) throw new ImportError(`tree ${i} belongs to output ${c} of ${outputs}`);
    return c;
  });
  // XGBoost adds base_score as a margin, through the objective's inverse link for logistic.
  const baseMargin = objective === 'logistic' && objectiveName === 'binary:logistic' ? Math.log(baseScore / (1 - baseScore)) : baseScore;
  const names = learner.feature_names;
  return {
    source: 'xgboost',
    split: 'lt',
    objective,
    featureCount,
    outputs,
    baseMargin: new Array<number>(outputs).fill(baseMargin),
    trees,
    treeOutput,
    featureNames: Array.isArray(names) && names.length === featureCount ? (names as string[]) : undefined,
  };
}
