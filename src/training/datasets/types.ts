/** One split of a dataset; x is row-major [n, ...inputShape]. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface Dataset {
  name: string;
  numClasses: number;
  classNames: string[];
  /** [h, w, 1] for images, [d] for tabular data. */
  inputShape: number[];
  isImage: boolean;
  train: Split;
  validation: Split;
  test: Split;
  /** Facts worth recording with a run (split sizes, imbalance, label noise, label mapping). */
  notes: string[];
}

/** A whole labelled dataset as read from its source, before subsampling and splitting. */
export interface LabelledData {
  name: string;
  x: Float32Array;
  y: Int32Array;
  n: number;
  inputShape: number[];
  isImage: boolean;
  classNames: string[];
  notes: string[];
}
