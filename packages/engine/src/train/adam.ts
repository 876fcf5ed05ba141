import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE, type AdamUpdateAttrs } from '../backend/adam-update.ts';

interface Moment { originalName: string; variable: tf.Variable }
/** tfjs' Adam keeps these private; their layout is stable in the pinned 4.22 (checkpoint.ts reads them too). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Moment[];
  accumulatedSecondMoment: Moment[];
  epsilon: number;
}

/**
 * tfjs' Adam, with each variable's step done by one kernel (OffgridAdamUpdate) where the backend has it (wasm),
 * instead of twelve full-size ops and their bookkeeping; bit for bit the same values (tested). Elsewhere it is
 * tfjs' own. Moments, powers and iterations live where tfjs keeps them, so checkpoints and getWeights are unchanged.
 */
export class FusedAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!tf.getKernel(ADAM_UPDATE, tf.getBackend())) return super.applyGradients(variableGradients);
    const state = this as unknown as AdamState;
    const named: { name: string; tensor: tf.Tensor | null }[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    // 1 − βᵗ as tfjs computes it (a float32 subtraction); the powers are float32 scalars.
    const [acc1, acc2] = [state.accBeta1.dataSync()[0], state.accBeta2.dataSync()[0]];
    const attrs: AdamUpdateAttrs = {
      beta1: this.beta1, beta2: this.beta2, epsilon: state.epsilon, learningRate: this.learningRate,
      oneMinusAccBeta1: Math.fround(1 - acc1), oneMinusAccBeta2: Math.fround(1 - acc2),
    };
    tf.tidy(() => {
      named.forEach(({ name, tensor: gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        state.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        state.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const [newValue, newM, newV] = tf.engine().runKernel(ADAM_UPDATE, { value, m, v, gradient }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/** The engine's optimizer: Adam with tfjs' defaults (β1 0.9, β2 0.999, the backend's ε). */
export function createAdam(learningRate: number): tf.AdamOptimizer {
  return new FusedAdam(learningRate, 0.9, 0.999);
}
