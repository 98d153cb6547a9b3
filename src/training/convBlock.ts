/**
 * One block of the CNN as a single op: 3×3 'same' convolution + bias + ReLU, then 2×2 max pooling
 * (stride 2), with its gradient written out by hand.
 * Why: tfjs does not fuse ReLU into a convolution while it records gradients, so the layers would run
 * Conv2D, Add, Relu and MaxPool forward and MaxPoolGrad, Step, Cast, Multiply and Sum backward: five
 * passes over the block's largest tensor that only move memory. Here the forward pass is FusedConv2D
 * (bias and ReLU applied as the output is stored) and MaxPool; the backward pass routes each pooled
 * gradient to its window's maximum only where that maximum is positive (the ReLU's gradient) in one
 * pass, then the bias, filter and input gradients.
 * On wasm that one pass is our SIMD kernel (registered by wasmKernels.ts under MAX_POOL_RELU_GRAD);
 * other backends compose it from MaxPoolGrad and Step, so every backend trains the same model.
 */
import * as tf from '@tensorflow/tfjs';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Kernel name of the fused max-pool + ReLU gradient (dy of the pooled output, the ReLU output → dz). */
export const MAX_POOL_RELU_GRAD = 'MaxPoolReluGrad2x2';

type Attrs = tf.NamedAttrMap;
const run = (name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor =>
  tf.engine().runKernel(name, inputs, attrs as unknown as Attrs) as tf.Tensor;

const CONV = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
const POOL = { filterSize: [2, 2], strides: [2, 2], pad: 'valid', dimRoundingMode: undefined };

/** dz = the gradient of max-pool(relu(z)) with respect to z, given dy of the pooled output and y = relu(z). */
function maxPoolReluGrad(dy: tf.Tensor, y: tf.Tensor, pooled: tf.Tensor): tf.Tensor {
  if (tf.getKernel(MAX_POOL_RELU_GRAD, tf.getBackend())) return run(MAX_POOL_RELU_GRAD, { dy, input: y }, {});
  return tf.mul(run('MaxPoolGrad', { dy, input: y, output: pooled }, POOL), tf.step(y));
}

/**
 * maxPool2×2(relu(conv3×3same(x, filter) + bias)). `inputGradient` false: the gradient with respect to x
 * is zeros (x is the model's input, whose gradient nobody reads; computing it would be a third convolution).
 */
export function convReluPool(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, inputGradient: boolean): tf.Tensor4D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, weights, offsets] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const y = run('FusedConv2D', { x: input, filter: weights, bias: offsets }, { ...CONV, activation: 'relu' });
    const pooled = run('MaxPool', { x: y }, POOL) as tf.Tensor4D;
    save([input, weights, y, pooled]);
    return {
      value: pooled,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xSaved, filterSaved, ySaved, pooledSaved] = saved;
        const dz = maxPoolReluGrad(dy, ySaved, pooledSaved);
        const dFilter = run('Conv2DBackpropFilter', { x: xSaved, dy: dz }, { ...CONV, filterShape: filterSaved.shape });
        const dx = inputGradient
          ? run('Conv2DBackpropInput', { dy: dz, filter: filterSaved }, { ...CONV, inputShape: xSaved.shape })
          : tf.zerosLike(xSaved);
        return [dx, dFilter, tf.sum(dz, [0, 1, 2])];
      },
    };
  });
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
