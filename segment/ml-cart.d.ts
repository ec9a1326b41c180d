/**
 * Types for ml-cart 2.1 (it ships none), written from its source (node_modules/ml-cart/src) and
 * limited to what segment/cart.ts uses: the classifier, its options and the trained nodes.
 */
declare module 'ml-cart' {
  /** The classifier's options; ml-cart fills the rest from its defaults. */
  export interface DecisionTreeClassifierOptions {
    /** 'gini' is the only gain function ml-cart has for classification. */
    gainFunction?: 'gini';
    /** 'mean' (the midpoint of two neighbouring values) is the only split function. */
    splitFunction?: 'mean';
    /** A node with at most this many rows becomes a leaf (default 3). */
    minNumSamples?: number;
    /** Levels of splits below the root (default Infinity). */
    maxDepth?: number;
    /** A split must gain more than this in Gini impurity (default 0.01). */
    gainThreshold?: number;
  }

  /** A trained node: a split has left and right; a leaf has a distribution. */
  export interface CartNode {
    /** Feature index; rows with `row[splitColumn] < splitValue` go left. */
    splitColumn?: number;
    splitValue?: number;
    gain?: number;
    left?: CartNode;
    right?: CartNode;
    /** Leaf class shares as a 1×k ml-matrix, k = the largest class in the leaf + 1. */
    distribution?: { to1DArray(): number[] };
  }

  export class DecisionTreeClassifier {
    constructor(options?: DecisionTreeClassifierOptions);
    root: CartNode;
    /** Rows of numbers; labels are class indices 0…k−1. */
    train(trainingSet: number[][], trainingLabels: number[]): void;
    /** The most likely class per row (ties: the lower index). */
    predict(toPredict: number[][]): number[];
    toJSON(): { options: object; root: CartNode; name: 'DTClassifier' };
  }
}
