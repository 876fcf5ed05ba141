// Data parallelism on two cores: two replicas of one model, one per worker thread, each compute the gradient
// of half of every batch; both average the halves (weighted by their sizes: exactly the whole batch's mean
// gradient) and apply the same update, so the replicas stay identical without ever sending weights again.
// The leader runs the ordinary training loop and decides everything (batches, learning rate, when to stop);
// the follower only answers steps. They meet in shared memory with Atomics, which costs microseconds.
import type { MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';

const enum Slot { Step, FollowerDone, LeaderReady, Command, Mine, Theirs, DropoutSeed, AugmentSeed }
const enum Command { Step = 1, Stop = 2 }
/** A follower that does not answer within this long has died; the leader fails instead of waiting forever. */
const ANSWER_TIMEOUT_MS = 120_000;

interface PairMemory {
  control: Int32Array;
  /** [learning rate, follower's mean loss, follower's correct predictions] */
  numbers: Float64Array;
  indices: Int32Array;
  /** Two step parities × two replicas × every trainable value: a slot is rewritten only two steps later. */
  grads: Float32Array;
  sizes: number[];
}

function allocate(sizes: number[], maxBatch: number): PairMemory {
  const total = sizes.reduce((a, b) => a + b, 0);
  return {
    control: new Int32Array(new SharedArrayBuffer(8 * 4)),
    numbers: new Float64Array(new SharedArrayBuffer(3 * 8)),
    indices: new Int32Array(new SharedArrayBuffer(maxBatch * 4)),
    grads: new Float32Array(new SharedArrayBuffer(4 * total * 4)),
    sizes,
  };
}

/**
 * Waits until a step counter reaches `value`. At least, not exactly: the other side may already be a step
 * further (a descheduled thread wakes up late), and its counters only grow.
 */
function waitFor(control: Int32Array, slot: Slot, value: number, who: string): void {
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  for (let current = Atomics.load(control, slot); current < value; current = Atomics.load(control, slot)) {
    if (Date.now() >= deadline) throw new Error(`Data-parallel training: the ${who} stopped answering.`);
    Atomics.wait(control, slot, current, Math.max(1, deadline - Date.now()));
  }
}

function signal(control: Int32Array, slot: Slot, value: number): void {
  Atomics.store(control, slot, value);
  Atomics.notify(control, slot);
}

/** Where replica `replica`'s gradients of step `step` live. */
function region(memory: PairMemory, step: number, replica: 0 | 1): Float32Array {
  const total = memory.grads.length / 4;
  const start = ((step % 2) * 2 + replica) * total;
  return memory.grads.subarray(start, start + total);
}

function write(target: Float32Array, grads: tf.NamedTensorMap, variables: tf.Variable[]): void {
  let offset = 0;
  for (const variable of variables) {
    const values = grads[variable.name].dataSync() as Float32Array;
    target.set(values, offset);
    offset += values.length;
  }
}

/** The size-weighted mean of both halves' gradients, computed identically on both sides from shared memory. */
function averaged(memory: PairMemory, step: number, variables: tf.Variable[], mine: number, theirs: number): tf.NamedTensorMap {
  const leader = region(memory, step, 0);
  const follower = region(memory, step, 1);
  const total = mine + theirs;
  const map: tf.NamedTensorMap = {};
  let offset = 0;
  for (const variable of variables) {
    const size = variable.size;
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = (leader[offset + i] * mine + follower[offset + i] * theirs) / total;
    map[variable.name] = tf.tensor(values, variable.shape);
    offset += size;
  }
  return map;
}

export interface HalfBatch {
  grads: tf.NamedTensorMap;
  loss: tf.Scalar;
  hits: tf.Scalar;
}

/** The leader's side; `fit` drives it when `FitOptions.pair` is set. */
export class GradientPairLeader {
  private memory: PairMemory | undefined;
  private step = 0;

  constructor(private readonly port: MessagePort) {}

  /** Hands the follower the model's starting weights, the class weights and the shared memory; resolves once it is ready. */
  async connect(model: tf.LayersModel, variables: tf.Variable[], maxBatch: number, classWeights?: number[]): Promise<void> {
    this.memory = allocate(variables.map((v) => v.size), maxBatch);
    const weights = model.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape }));
    const { control, numbers, indices, grads } = this.memory;
    const ready = new Promise<void>((resolve, reject) => {
      this.port.once('message', (message: { ready?: boolean; error?: string }) => (message.ready ? resolve() : reject(new Error(`Data-parallel follower failed: ${message.error}`))));
    });
    this.port.postMessage({ weights, classWeights, control, numbers, indices, grads });
    await ready;
  }

  /**
   * One batch: the follower computes `theirs` while this thread computes `mine` (through `half`), then both
   * apply the averaged gradients with their own optimizer. Returns the whole batch's mean loss and hits.
   */
  run(optimizer: tf.Optimizer, variables: tf.Variable[], mine: number[], theirs: number[], learningRate: number, seeds: { dropout: number; augment: number }, half: (indices: number[]) => HalfBatch): { loss: number; hits: number } {
    const memory = this.memory!;
    const step = ++this.step;
    memory.indices.set(theirs);
    memory.numbers[0] = learningRate;
    const { control } = memory;
    control[Slot.Mine] = mine.length;
    control[Slot.Theirs] = theirs.length;
    control[Slot.DropoutSeed] = seeds.dropout;
    control[Slot.AugmentSeed] = seeds.augment;
    control[Slot.Command] = Command.Step;
    signal(control, Slot.Step, step);
    return tf.tidy(() => {
      const own = half(mine);
      write(region(memory, step, 0), own.grads, variables);
      signal(control, Slot.LeaderReady, step);
      waitFor(control, Slot.FollowerDone, step, 'follower');
      optimizer.applyGradients(averaged(memory, step, variables, mine.length, theirs.length));
      const total = mine.length + theirs.length;
      const loss = (own.loss.dataSync()[0] * mine.length + memory.numbers[1] * theirs.length) / total;
      const hits = own.hits.dataSync()[0] + memory.numbers[2];
      own.hits.dispose();
      return { loss, hits };
    });
  }

  stop(): void {
    if (!this.memory) return;
    this.memory.control[Slot.Command] = Command.Stop;
    signal(this.memory.control, Slot.Step, ++this.step);
  }
}

export interface FollowerModel {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** This replica's half: gradients, mean loss and hits over `indices`, with the leader's seeds for dropout and augmentation. */
  half(indices: number[], seeds: { dropout: number; augment: number }): HalfBatch;
}

/** The follower's side: takes the leader's weights, then answers steps until told to stop. */
export async function followGradientPair(port: MessagePort, replica: (weights: tf.Tensor[], classWeights?: number[]) => FollowerModel): Promise<void> {
  const message = await new Promise<{ weights: { values: Float32Array; shape: number[] }[]; classWeights?: number[] } & Omit<PairMemory, 'sizes'>>((resolve) => port.once('message', resolve));
  let follower: FollowerModel;
  try {
    const weights = message.weights.map((w) => tf.tensor(w.values, w.shape));
    follower = replica(weights, message.classWeights);
    tf.dispose(weights);
  } catch (error) {
    port.postMessage({ error: (error as Error).message });
    throw error;
  }
  const variables = follower.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const memory: PairMemory = { ...message, sizes: variables.map((v) => v.size) };
  const { control } = memory;
  port.postMessage({ ready: true });
  for (let step = 1; ; step++) {
    waitFor(control, Slot.Step, step, 'leader');
    if (control[Slot.Command] === Command.Stop) return;
    const theirs = Array.from(memory.indices.subarray(0, control[Slot.Theirs]));
    const mine = control[Slot.Mine];
    const seeds = { dropout: control[Slot.DropoutSeed], augment: control[Slot.AugmentSeed] };
    (follower.optimizer as unknown as { learningRate: number }).learningRate = memory.numbers[0];
    tf.tidy(() => {
      const own = follower.half(theirs, seeds);
      write(region(memory, step, 1), own.grads, variables);
      memory.numbers[1] = own.loss.dataSync()[0];
      memory.numbers[2] = own.hits.dataSync()[0];
      own.hits.dispose();
      signal(control, Slot.FollowerDone, step);
      waitFor(control, Slot.LeaderReady, step, 'leader');
      follower.optimizer.applyGradients(averaged(memory, step, variables, mine, theirs.length));
    });
  }
}
