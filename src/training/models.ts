/** The small classifiers the lab trains. Both output LOGITS (no softmax): the losses take logits. */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../core/runConfig';
import { ConvReluPool2D } from './convBlock';
import { wasmKernelOptions } from './wasmKernels';

export const DEFAULT_HIDDEN = [128];
export const DEFAULT_FILTERS = [16, 32];

/** Seeded initialisers: one distinct seed per layer, so the same run seed gives the same weights. */
function seededInit(seed: number, layer: number) {
  return {
    kernelInitializer: tf.initializers.glorotUniform({ seed: (seed * 1000 + layer) >>> 0 }),
    biasInitializer: tf.initializers.zeros(),
  };
}

function checkSizes(field: string, sizes: number[]): void {
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`${field} must be a non-empty list of positive integers (got [${sizes.join(', ')}])`);
  }
}

function buildMlp(hidden: number[], inputShape: number[], numClasses: number, seed: number): tf.Sequential {
  checkSizes('model.hidden', hidden);
  const model = tf.sequential();
  // Flatten needs rank ≥ 3 inputs (images); tabular rows go straight into the first dense layer.
  if (inputShape.length > 1) model.add(tf.layers.flatten({ inputShape }));
  hidden.forEach((units, i) => model.add(tf.layers.dense({
    units, activation: 'relu', ...(i === 0 && inputShape.length === 1 ? { inputShape } : {}), ...seededInit(seed, i),
  })));
  model.add(tf.layers.dense({ units: numClasses, ...seededInit(seed, hidden.length) }));
  return model;
}

function buildCnn(filters: number[], inputShape: number[], numClasses: number, seed: number): tf.Sequential {
  checkSizes('model.filters', filters);
  if (inputShape.length !== 3) {
    throw new Error(`model.type "cnn" needs image data with inputShape [height, width, channels]; this dataset has `
      + `tabular features [${inputShape.join(', ')}]. Use model.type "mlp".`);
  }
  const maxBlocks = Math.floor(Math.log2(Math.min(inputShape[0], inputShape[1])));
  if (filters.length > maxBlocks) {
    throw new Error(`model.filters has ${filters.length} conv blocks, but a ${inputShape[0]}×${inputShape[1]} image allows at `
      + `most ${maxBlocks} (each block halves the size with 2×2 max pooling)`);
  }
  const model = tf.sequential();
  filters.forEach((count, i) => {
    const first = i === 0 ? { inputShape } : {};
    if (wasmKernelOptions().convBlocks) {
      // The same block and weights as the two layers below, as one op with a hand-written gradient (faster).
      model.add(new ConvReluPool2D({ ...first, filters: count, inputGradient: i > 0, ...seededInit(seed, i) }));
      return;
    }
    model.add(tf.layers.conv2d({ ...first, filters: count, kernelSize: 3, padding: 'same', activation: 'relu', ...seededInit(seed, i) }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  });
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: numClasses, ...seededInit(seed, filters.length) }));
  return model;
}

/** Builds the model of `spec` for inputs of `inputShape` (per example) and `numClasses` logits. */
export function buildModel(spec: ModelSpec, inputShape: number[], numClasses: number, seed: number): tf.LayersModel {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`a classifier needs at least 2 classes (got ${numClasses})`);
  switch (spec.type) {
    case 'mlp': return buildMlp(spec.hidden ?? DEFAULT_HIDDEN, inputShape, numClasses, seed);
    case 'cnn': return buildCnn(spec.filters ?? DEFAULT_FILTERS, inputShape, numClasses, seed);
    default: throw new Error(`model.type must be "mlp" or "cnn" (got "${String((spec as { type?: unknown }).type)}")`);
  }
}
