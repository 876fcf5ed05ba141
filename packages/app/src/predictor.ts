// On-device inference with LiteRT.js: loads the wasm runtime from our own server, compiles a .tflite on
// WebGPU when it can, else on wasm (CPU), and runs one [1,H,W,3] float32 input.
import { Tensor, getWebGpuDevice, isWebGPUSupported, loadAndCompile, loadLiteRt, supportsFeature } from '@litertjs/core';
import type { Accelerator, CompiledModel } from '@litertjs/core';
import type { ModelInput } from '@offgrid/sdk';

/** Where vite-litert-wasm.ts puts LiteRT.js's wasm files. */
const LITERT_WASM_URL = new URL(`${import.meta.env.BASE_URL}litert/`, location.origin).href;

let runtime: Promise<void> | undefined;

/** LiteRT's native log goes to stderr, which emscripten maps to console.error; route it by severity instead. */
function routeLiteRtLog(line: string): void {
  if (/^(INFO|VERBOSE|DEBUG)\b/.test(line)) console.debug('[LiteRT]', line);
  else if (/^WARNING\b/.test(line)) console.warn('[LiteRT]', line);
  else console.error('[LiteRT]', line);
}

async function loadRuntime(threads: boolean): Promise<void> {
  // Read by the emscripten glue LiteRT.js loads (see @litertjs/wasm-utils' createWasmLib).
  (globalThis as { Module?: object }).Module = { printErr: routeLiteRtLog };
  await loadLiteRt(LITERT_WASM_URL, threads ? { threads: true } : undefined);
}

/**
 * The files of the LiteRT.js build this browser loads (the choice @litertjs/core makes: threaded on a
 * cross-origin-isolated page with relaxed SIMD, plain with relaxed SIMD, else the compat build).
 */
export async function liteRtRuntimeFiles(): Promise<string[]> {
  const relaxedSimd = await supportsFeature('relaxedSimd');
  const threads = relaxedSimd && globalThis.crossOriginIsolated && (await supportsFeature('threads'));
  const build = threads ? 'litert_wasm_threaded_internal' : relaxedSimd ? 'litert_wasm_internal' : 'litert_wasm_compat_internal';
  return [`${LITERT_WASM_URL}${build}.js`, `${LITERT_WASM_URL}${build}.wasm`];
}

/** Loads the LiteRT.js runtime once; the threaded build when the page is cross-origin isolated. */
export function ensureLiteRt(): Promise<void> {
  runtime ??= (async () => {
    if (globalThis.crossOriginIsolated) {
      try {
        await loadRuntime(true);
        return;
      } catch (error) {
        console.info('LiteRT.js threaded runtime unavailable, using the single-threaded one:', error);
      }
    }
    await loadRuntime(false);
  })().catch((error: unknown) => {
    runtime = undefined;
    throw error;
  });
  return runtime;
}

export interface Prediction {
  output: Float32Array;
  latencyMs: number;
}

export class Predictor {
  private constructor(
    private readonly compiled: CompiledModel,
    readonly input: ModelInput,
    /** Accelerators tried before the one in use, with why they failed (e.g. "webgpu: no adapter"). */
    readonly fallbacks: string[],
  ) {}

  /** 'webgpu' or 'wasm': where the model actually runs (LiteRT.js may fall back to wasm by itself). */
  get accelerator(): Accelerator {
    return this.compiled.options.accelerator as Accelerator;
  }

  static async load(bytes: Uint8Array, input: ModelInput): Promise<Predictor> {
    await ensureLiteRt();
    const errors: string[] = [];
    const candidates = candidateAccelerators();
    if (!candidates.includes('webgpu')) errors.push('webgpu: not available in this browser');
    for (const accelerator of candidates) {
      try {
        return new Predictor(await loadAndCompile(bytes, { accelerator }), input, errors);
      } catch (error) {
        errors.push(`${accelerator}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    throw new Error(`LiteRT.js could not compile the model (${errors.join('; ')}).`);
  }

  /** Runs one preprocessed image (H×W×3 floats, as `preprocessImage` returns it). */
  async predict(pixels: Float32Array): Promise<Prediction> {
    return this.predictInto(pixels, undefined);
  }

  /**
   * Like `predict`, writing the scores into `output` when given (live prediction reuses one buffer). LiteRT.js
   * copies the input into its own tensor memory per run; that copy is the one allocation left per frame.
   */
  async predictInto(pixels: Float32Array, output: Float32Array | undefined): Promise<Prediction> {
    const { width, height } = this.input;
    if (pixels.length !== width * height * 3) throw new Error(`Expected ${width * height * 3} input values, got ${pixels.length}.`);
    const started = performance.now();
    const tensor = new Tensor(pixels, [1, height, width, 3]);
    let outputs: Tensor[] = [];
    try {
      outputs = await this.compiled.run(tensor);
      const scores = (await outputs[0].data()) as Float32Array;
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

function candidateAccelerators(): Accelerator[] {
  return isWebGPUSupported() && getWebGpuDevice() ? ['webgpu', 'wasm'] : ['wasm'];
}
