// On-device inference with LiteRT.js: loads the wasm runtime from our own server, compiles a .tflite on
// WebGPU when it can, else on wasm (CPU), and runs one [1,H,W,3] float32 input.
import { Tensor, getWebGpuDevice, isWebGPUSupported, loadAndCompile, loadLiteRt } from '@litertjs/core';
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
  ) {}

  /** 'webgpu' or 'wasm': where the model actually runs (LiteRT.js may fall back to wasm by itself). */
  get accelerator(): Accelerator {
    return this.compiled.options.accelerator as Accelerator;
  }

  static async load(bytes: Uint8Array, input: ModelInput): Promise<Predictor> {
    await ensureLiteRt();
    const errors: string[] = [];
    for (const accelerator of candidateAccelerators()) {
      try {
        return new Predictor(await loadAndCompile(bytes, { accelerator }), input);
      } catch (error) {
        errors.push(`${accelerator}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    throw new Error(`LiteRT.js could not compile the model (${errors.join('; ')}).`);
  }

  /** Runs one preprocessed image (H×W×3 floats, as `preprocessImage` returns it). */
  async predict(pixels: Float32Array): Promise<Prediction> {
    const { width, height } = this.input;
    if (pixels.length !== width * height * 3) throw new Error(`Expected ${width * height * 3} input values, got ${pixels.length}.`);
    const started = performance.now();
    const tensor = new Tensor(pixels, [1, height, width, 3]);
    let outputs: Tensor[] = [];
    try {
      outputs = await this.compiled.run(tensor);
      const output = Float32Array.from((await outputs[0].data()) as Float32Array);
      return { output, latencyMs: performance.now() - started };
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
