// On-device inference with LiteRT.js: loads the wasm runtime from our own server, compiles a .tflite on
// WebNN where the browser has a working `navigator.ml`, else WebGPU, else wasm (CPU, XNNPACK), checks each with
// one run before trusting it, and runs one input of the model's own shape and type: [1,H,W,3] float32 images,
// [1,frames,mels] audio, [1,steps,channels] motion, [1,features] tabular, [1,seqLength] int32 text token ids.
// Outputs are class scores, or one anomaly score ([1,1]) for anomaly models.
import { Tensor, getWebGpuDevice, isWebGPUSupported, loadAndCompile, loadLiteRt, supportsFeature } from '@litertjs/core';
import type { CompiledModel } from '@litertjs/core';
import { headProbabilities, type Head } from '@offgrid/federated';
import type { ModelInput } from '@offgrid/sdk';
import type { Accelerator } from './variant-rule.ts';

/** Where vite-litert-wasm.ts puts LiteRT.js's wasm files. */
const LITERT_WASM_URL = new URL(`${import.meta.env.BASE_URL}litert/`, location.origin).href;

let runtime: Promise<void> | undefined;

export type { Accelerator } from './variant-rule.ts';

interface MlLike {
  createContext(options?: object): Promise<unknown>;
}

let webNn: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

/**
 * Whether WebNN can be used: LiteRT.js drives WebNN only from its JSPI build, and some browsers expose
 * `navigator.ml` on platforms with no WebNN backend, so a context is actually created once to find out.
 */
export function probeWebNn(): Promise<{ ok: true } | { ok: false; reason: string }> {
  webNn ??= (async () => {
    const ml = (globalThis.navigator as (Navigator & { ml?: MlLike }) | undefined)?.ml;
    if (!ml) return { ok: false, reason: 'not available in this browser' } as const;
    if (!('Suspending' in WebAssembly)) return { ok: false, reason: 'needs WebAssembly JSPI, which this browser lacks' } as const;
    if (!(await supportsFeature('relaxedSimd'))) return { ok: false, reason: 'needs relaxed SIMD, which this browser lacks' } as const;
    try {
      await ml.createContext();
      return { ok: true } as const;
    } catch (error) {
      // "Failed to execute 'createContext' on 'ML': WebNN is not supported on this platform." → the reason only.
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, reason: message.replace(/^Failed to execute '[^']+' on '[^']+': /, '').replace(/\.$/, '') } as const;
    }
  })();
  return webNn;
}

/** LiteRT's native log goes to stderr, which emscripten maps to console.error; route it by severity instead. */
function routeLiteRtLog(line: string): void {
  if (/^(INFO|VERBOSE|DEBUG)\b/.test(line)) console.debug('[LiteRT]', line);
  else if (/^WARNING\b/.test(line)) console.warn('[LiteRT]', line);
  else console.error('[LiteRT]', line);
}

async function loadRuntime(build: { threads?: boolean; jspi?: boolean }): Promise<void> {
  // Read by the emscripten glue LiteRT.js loads (see @litertjs/wasm-utils' createWasmLib).
  (globalThis as { Module?: object }).Module = { printErr: routeLiteRtLog };
  await loadLiteRt(LITERT_WASM_URL, build.threads || build.jspi ? build : undefined);
}

/**
 * The files of the LiteRT.js build this browser loads (the choice @litertjs/core makes: JSPI where WebNN works,
 * threaded on a cross-origin-isolated page with relaxed SIMD, plain with relaxed SIMD, else the compat build).
 */
export async function liteRtRuntimeFiles(): Promise<string[]> {
  const relaxedSimd = await supportsFeature('relaxedSimd');
  const jspi = (await probeWebNn()).ok;
  const threads = !jspi && relaxedSimd && globalThis.crossOriginIsolated && (await supportsFeature('threads'));
  const build = jspi ? 'litert_wasm_jspi_internal' : threads ? 'litert_wasm_threaded_internal' : relaxedSimd ? 'litert_wasm_internal' : 'litert_wasm_compat_internal';
  return [`${LITERT_WASM_URL}${build}.js`, `${LITERT_WASM_URL}${build}.wasm`];
}

/**
 * Loads the LiteRT.js runtime once: the JSPI build where WebNN works (the only build that drives WebNN; it has
 * no threads), else the threaded build when the page is cross-origin isolated, else the single-threaded one.
 */
export function ensureLiteRt(): Promise<void> {
  runtime ??= (async () => {
    if ((await probeWebNn()).ok) {
      try {
        await loadRuntime({ jspi: true });
        return;
      } catch (error) {
        console.info('LiteRT.js JSPI runtime unavailable (no WebNN), using another build:', error);
        webNn = Promise.resolve({ ok: false, reason: `the JSPI runtime did not load (${error instanceof Error ? error.message : String(error)})` });
      }
    }
    if (globalThis.crossOriginIsolated) {
      try {
        await loadRuntime({ threads: true });
        return;
      } catch (error) {
        console.info('LiteRT.js threaded runtime unavailable, using the single-threaded one:', error);
      }
    }
    await loadRuntime({});
  })().catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

/** The accelerators this browser can try, best first (wasm always), and why the others are out. */
export async function availableAccelerators(): Promise<{ usable: Accelerator[]; unavailable: string[] }> {
  await ensureLiteRt();
  const usable: Accelerator[] = [];
  const unavailable: string[] = [];
  const webNnState = await probeWebNn();
  if (webNnState.ok) usable.push('webnn');
  else unavailable.push(`webnn: ${webNnState.reason}`);
  if (isWebGPUSupported() && getWebGpuDevice()) usable.push('webgpu');
  else unavailable.push('webgpu: not available in this browser');
  usable.push('wasm');
  return { usable, unavailable };
}

export interface Prediction {
  output: Float32Array;
  latencyMs: number;
}

/** The model's single input, as the .tflite declares it (batch first). */
export interface InputDetails {
  shape: number[];
  dtype: 'float32' | 'int32';
}

export class Predictor {
  /**
   * The one input buffer, allocated when the model loads: callers write the preprocessed example into it and
   * call `run()` (float32, or int32 token ids for text models).
   */
  readonly inputBuffer: Float32Array | Int32Array;
  /** A personalized head (learning/personal-heads.ts): the compiled file is a trunk, scores are softmax(W·e + b). */
  private head?: Head;

  private constructor(
    private readonly compiled: CompiledModel,
    readonly input: ModelInput,
    readonly inputDetails: InputDetails,
    /** Accelerators tried before the one in use, with why they failed (e.g. "webgpu: no adapter"). */
    readonly fallbacks: string[],
  ) {
    const size = inputDetails.shape.reduce((product, n) => product * n, 1);
    this.inputBuffer = inputDetails.dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  }

  /** 'webnn', 'webgpu' or 'wasm': where the model actually runs (LiteRT.js may fall back to wasm by itself). */
  get accelerator(): Accelerator {
    return this.compiled.options.accelerator;
  }

  /** True when the scores come from this phone's own head over a trunk. */
  get personalized(): boolean {
    return this.head !== undefined;
  }

  /**
   * Runs the compiled trunk's embedding through `head` from now on (checked on one run: the embedding must have
   * `head.inputSize` values).
   */
  async useHead(head: Head): Promise<void> {
    this.head = undefined;
    const { output } = await this.run();
    if (output.length !== head.inputSize) throw new Error(`The trunk gives ${output.length} values per example; the head reads ${head.inputSize}.`);
    this.head = head;
  }

  /** Values in one example (the input shape without its batch dimension). */
  get inputSize(): number {
    return this.inputBuffer.length;
  }

  /**
   * Compiles on `preferred` when given (the phone's measured choice), else on the first accelerator that works:
   * WebNN, WebGPU, wasm. Each is checked with one run on a blank input, so one that compiles but cannot run falls
   * back too.
   */
  static async load(bytes: Uint8Array, input: ModelInput, preferred?: Accelerator): Promise<Predictor> {
    const { usable, unavailable } = await availableAccelerators();
    const errors = [...unavailable];
    const order = preferred && usable.includes(preferred) ? [preferred, ...usable.filter((a) => a !== preferred)] : usable;
    for (const accelerator of order) {
      try {
        const predictor = await Predictor.loadOn(bytes, input, accelerator);
        predictor.fallbacks.push(...errors);
        return predictor;
      } catch (error) {
        errors.push(`${accelerator}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    throw new Error(`LiteRT.js could not run the model (${errors.join('; ')}).`);
  }

  /** Compiles on exactly this accelerator and runs once on a blank input; throws if either fails. */
  static async loadOn(bytes: Uint8Array, input: ModelInput, accelerator: Accelerator): Promise<Predictor> {
    await ensureLiteRt();
    let compiled: CompiledModel | undefined;
    try {
      compiled = await loadAndCompile(bytes, { accelerator });
      const predictor = new Predictor(compiled, input, inputDetailsOf(compiled), []);
      await predictor.run();
      return predictor;
    } catch (error) {
      compiled?.delete();
      throw error;
    }
  }

  /** Runs one preprocessed image (H×W×3 floats, as `preprocessImage` returns it). */
  async predict(pixels: Float32Array): Promise<Prediction> {
    return this.predictInto(pixels, undefined);
  }

  /**
   * Copies `values` into the input buffer and runs, writing the scores into `output` when given (live prediction
   * reuses one buffer).
   */
  async predictInto(values: Float32Array | Int32Array, output: Float32Array | undefined): Promise<Prediction> {
    if (values.length !== this.inputBuffer.length) throw new Error(`Expected ${this.inputBuffer.length} input values, got ${values.length}.`);
    if (values !== this.inputBuffer) this.inputBuffer.set(values);
    return this.run(output);
  }

  /**
   * Runs the model on what is in `inputBuffer`. LiteRT.js copies the input into its own tensor memory per run;
   * that copy is the one allocation left per prediction.
   */
  async run(output?: Float32Array): Promise<Prediction> {
    const started = performance.now();
    const tensor = new Tensor(this.inputBuffer, this.inputDetails.shape);
    let outputs: Tensor[] = [];
    try {
      outputs = await this.compiled.run(tensor);
      const raw = await outputs[0].data();
      const scores = this.head ? headProbabilities(this.head, Float32Array.from(raw)) : raw;
      const target = output && output.length === scores.length ? output : new Float32Array(scores.length);
      target.set(scores);
      return { output: target, latencyMs: performance.now() - started };
    } finally {
      tensor.delete();
      outputs.forEach((t) => t.delete());
    }
  }

  dispose(): void {
    this.compiled.delete();
  }
}

/** The input the .tflite itself declares: the source of truth for shape and type, whatever the metadata says. */
function inputDetailsOf(compiled: CompiledModel): InputDetails {
  const inputs = compiled.getInputDetails();
  if (inputs.length !== 1) throw new Error(`Expected a model with one input, this one has ${inputs.length}.`);
  const { dtype, shape } = inputs[0];
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`Unsupported model input type ${dtype} (expected float32 or int32).`);
  // A dynamic batch dimension (-1) becomes 1: the phone predicts one example at a time.
  return { dtype, shape: Array.from(shape, (n, i) => (i === 0 && n < 1 ? 1 : n)) };
}
