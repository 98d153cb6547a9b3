/**
 * Adam on the wasm backend as one SIMD kernel call per weight tensor (kernels.c). It performs the float32
 * operations of tf.train.adam in the same order, so it gives the same weights, without the dozen tensors
 * per weight and step that tf.train.adam allocates, fills and frees through the engine.
 * The new weights go to a fresh buffer (tensors may share a weight's buffer); the moments are ours alone
 * and are updated in place.
 */
import * as tf from '@tensorflow/tfjs';
import { simdKernelsFor } from './simdKernels';
import { offsetIn, type WasmBackendLike } from '../wasmHeap';

interface Moments { m: tf.Variable; v: tf.Variable }
type VariableGradients = Parameters<tf.Optimizer['applyGradients']>[0];

const f32 = Math.fround;

export class SimdAdamOptimizer extends tf.Optimizer {
  static get className(): string { return 'SimdAdam'; }

  private readonly moments = new Map<string, Moments>();
  /** β1^t and β2^t in float32, as tf.train.adam keeps them in scalar variables. */
  private accBeta1: number;
  private accBeta2: number;

  constructor(private readonly learningRate: number, private readonly beta1 = 0.9, private readonly beta2 = 0.999,
    private readonly epsilon = tf.backend().epsilon()) {
    super();
    this.accBeta1 = f32(beta1);
    this.accBeta2 = f32(beta2);
  }

  applyGradients(variableGradients: VariableGradients): void {
    const backend = tf.backend() as unknown as WasmBackendLike;
    const kernels = simdKernelsFor(backend);
    const at = offsetIn(backend);
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map(({ name, tensor }) => [name, tensor] as const)
      : Object.entries(variableGradients);
    const biasFix1 = f32(1 - this.accBeta1);
    const biasFix2 = f32(1 - this.accBeta2);
    for (const [name, gradient] of entries) {
      if (gradient == null) continue;
      const value = tf.engine().registeredVariables[name];
      if (value.dtype !== 'float32' || gradient.dtype !== 'float32') throw new Error(`Adam on wasm updates float32 weights only (${name} is ${value.dtype})`);
      const { m, v } = this.momentsOf(name, value);
      const updated = tf.engine().makeTensorFromTensorInfo(backend.makeOutput(value.shape, 'float32'));
      kernels.adam(at(value), at(updated), at(gradient), at(m), at(v), value.size, f32(-this.learningRate),
        f32(this.beta1), f32(this.beta2), f32(1 - this.beta1), f32(1 - this.beta2), f32(this.epsilon), biasFix1, biasFix2);
      value.assign(updated);
      updated.dispose();
    }
    this.accBeta1 = f32(this.accBeta1 * f32(this.beta1));
    this.accBeta2 = f32(this.accBeta2 * f32(this.beta2));
    this.incrementIterations();
  }

  private momentsOf(name: string, value: tf.Variable): Moments {
    let moments = this.moments.get(name);
    if (!moments) {
      moments = tf.tidy(() => ({ m: tf.zerosLike(value).variable(false), v: tf.zerosLike(value).variable(false) }));
      this.moments.set(name, moments);
    }
    return moments;
  }

  override dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
