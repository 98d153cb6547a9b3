/**
 * One block of the CNN as a single op: 3×3 'same' convolution + bias + ReLU, then 2×2 max pooling
 * (stride 2), with its gradient written out by hand.
 * Why: tfjs does not fuse ReLU into a convolution while it records gradients, so the layers would run
 * Conv2D, Add, Relu and MaxPool forward and MaxPoolGrad, Step, Cast, Multiply and Sum backward: passes
 * over the block's largest tensor that only move memory.
 * On wasm the forward pass is one SIMD kernel (CONV_RELU_POOL: each tile of the convolution is one pooling
 * window, so the full-size activation is never stored; it keeps which position of each window won), and
 * the backward pass routes each pooled gradient to its winner and sums it per channel (the bias gradient)
 * in one more (RELU_POOL_GRAD), then the filter and input gradients. Both are registered by wasmKernels.ts.
 * Other backends compose the same block from FusedConv2D, MaxPool, MaxPoolGrad and Step, so every
 * backend trains the same model.
 */
import * as tf from '@tensorflow/tfjs';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Kernel: x, filter, bias → [pooled, winners (int32: the position 0..3 of each window's maximum, 4 if none is positive)]. */
export const CONV_RELU_POOL = 'ConvReluPool2x2';
/** Kernel: dy of the pooled output, winners; attrs height and width of the block → [dz, dz summed per channel]. */
export const RELU_POOL_GRAD = 'ReluPoolGrad2x2';

type Attrs = tf.NamedAttrMap;
const run = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor =>
  tf.engine().runKernel(name, inputs, attrs as unknown as Attrs) as tf.Tensor;
const runMany = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor[] =>
  tf.engine().runKernel(name, inputs, attrs as unknown as Attrs) as tf.Tensor[];

const CONV = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
const POOL = { filterSize: [2, 2], strides: [2, 2], pad: 'valid', dimRoundingMode: undefined };

/** The filter, input (zeros when not needed) and bias gradients from dz, the gradient of the block's convolution output. */
function blockGradients(x: tf.Tensor, filter: tf.Tensor, dz: tf.Tensor, dBias: tf.Tensor, inputGradient: boolean): tf.Tensor[] {
  const dFilter = run('Conv2DBackpropFilter', { x, dy: dz }, { ...CONV, filterShape: filter.shape });
  const dx = inputGradient ? run('Conv2DBackpropInput', { dy: dz, filter }, { ...CONV, inputShape: x.shape }) : tf.zerosLike(x);
  return [dx, dFilter, dBias];
}

type BlockOp = (x: tf.Tensor, filter: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc, inputGradient: boolean) =>
  { value: tf.Tensor4D; gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => tf.Tensor[] };

/** The block on the two kernels of wasmKernels.ts. */
const fusedBlock: BlockOp = (x, filter, bias, save, inputGradient) => {
  const [pooled, winners] = runMany(CONV_RELU_POOL, { x, filter, bias }, {});
  save([x, filter, winners]);
  return {
    value: pooled as tf.Tensor4D,
    gradFunc: (dy, [xSaved, filterSaved, winnersSaved]) => {
      const [dz, dBias] = runMany(RELU_POOL_GRAD, { dy, winners: winnersSaved }, { height: xSaved.shape[1], width: xSaved.shape[2] });
      return blockGradients(xSaved, filterSaved, dz, dBias, inputGradient);
    },
  };
};

/** The block composed from tfjs's kernels, for every backend. */
const composedBlock: BlockOp = (x, filter, bias, save, inputGradient) => {
  const y = run('FusedConv2D', { x, filter, bias }, { ...CONV, activation: 'relu' });
  const pooled = run('MaxPool', { x: y }, POOL) as tf.Tensor4D;
  save([x, filter, y, pooled]);
  return {
    value: pooled,
    gradFunc: (dy, [xSaved, filterSaved, ySaved, pooledSaved]) => {
      const dz = tf.mul(run('MaxPoolGrad', { dy, input: ySaved, output: pooledSaved }, POOL), tf.step(ySaved));
      return blockGradients(xSaved, filterSaved, dz, tf.sum(dz, [0, 1, 2]), inputGradient);
    },
  };
};

/**
 * maxPool2×2(relu(conv3×3same(x, filter) + bias)). `inputGradient` false: the gradient with respect to x
 * is zeros (x is the model's input, whose gradient nobody reads; computing it would be a third convolution).
 */
export function convReluPool(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, inputGradient: boolean): tf.Tensor4D {
  const block = tf.getKernel(CONV_RELU_POOL, tf.getBackend()) ? fusedBlock : composedBlock;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) =>
    block(args[0] as tf.Tensor, args[1] as tf.Tensor, args[2] as tf.Tensor, args[3] as tf.GradSaveFunc, inputGradient));
  return op(x, filter, bias) as tf.Tensor4D;
}

export interface ConvReluPoolArgs {
  filters: number;
  /** Whether the gradient with respect to the block's input is needed (false for the model's first block). */
  inputGradient: boolean;
  kernelInitializer: Initializer;
  biasInitializer: Initializer;
  inputShape?: number[];
  name?: string;
}

/** The block as a layer: weights `kernel` [3, 3, channels, filters] and `bias` [filters], as tf.layers.conv2d has them. */
export class ConvReluPool2D extends tf.layers.Layer {
  static readonly className = 'ConvReluPool2D';
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(private readonly args: ConvReluPoolArgs) {
    super({ inputShape: args.inputShape, name: args.name });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`${ConvReluPool2D.className} needs a known number of input channels (got shape [${shape.join(', ')}])`);
    this.kernel = this.addWeight('kernel', [3, 3, channels, this.args.filters], 'float32', this.args.kernelInitializer);
    this.bias = this.addWeight('bias', [this.args.filters], 'float32', this.args.biasInitializer);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, height, width] = inputShape as tf.Shape;
    const half = (d: number | null): number | null => (d == null ? null : Math.floor(d / 2));
    return [batch, half(height), half(width), this.args.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return convReluPool(x, this.kernel!.read() as tf.Tensor4D, this.bias!.read() as tf.Tensor1D, this.args.inputGradient);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.args.filters, inputGradient: this.args.inputGradient };
  }
}
