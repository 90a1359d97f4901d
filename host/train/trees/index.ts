// Tree trainers: CART, random forests, gradient boosting (float64 models, seeded and
// deterministic), and their evaluation. Quantization and export: ../quantize-trees.ts and
// ../export-trees.ts.
export { TrainingData, growTree, threshold, FEATURE_THRESHOLD } from './builder';
export type { Criterion, Target, TreeParams, GrowOptions } from './builder';
export { DecisionTreeClassifier, DecisionTreeRegressor } from './cart';
export type { DecisionTreeOptions } from './cart';
export { RandomForestClassifier, RandomForestRegressor } from './forest';
export type { RandomForestOptions } from './forest';
export { GradientBoostingModel, expit, softmax } from './boosting';
export type { GradientBoostingOptions } from './boosting';
export { accuracy, holdoutAccuracy } from './evaluate';
export type { Classifier, HoldoutResult, Trainer } from './evaluate';
export { argmax, leafCount, leafIndex, nodeCount, treeDepth } from './tree';
export type { Tree } from './tree';
