/**
 * Runs TFLite models in Node with LiteRT.js (`@litertjs/core`), the official TFLite runtime:
 * what tests and the server use to check exported models. LiteRT.js targets browsers and
 * workers, so two shims come first (see docs/DESIGN.md §3): `self`, and an `importScripts` that
 * compiles the emscripten glue as CommonJS and hands its factory over as `ModuleFactory`.
 */
import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import type * as LiteRt from '@litertjs/core';
import type { CompiledModel, Tensor, TypedArray } from '@litertjs/core';

type LiteRtModule = typeof LiteRt;

interface CompilableModule {
  exports: unknown;
  _compile(source: string, filename: string): void;
}

let loading: Promise<LiteRtModule> | undefined;

/** The runtime logs every init and compile at INFO; keep warnings that matter, unless asked. */
const verbose = process.env.OFFGRID_LITERT_LOG === '1';
/** ERROR lines the runtime printed since the last compile started (it logs compile failures and returns a model that runs garbage). */
let runtimeErrors: string[] = [];
function runtimeLog(line: string): void {
  if (line.startsWith('ERROR:')) runtimeErrors.push(line);
  if (verbose) return console.error(line);
  if (line.startsWith('INFO:') || line.includes('NPU accelerator could not be loaded')) return;
  console.error(line);
}

/** Directory of LiteRT.js's wasm files, with the trailing slash `loadLiteRt` expects. */
export function liteRtWasmDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@litertjs/core/package.json')), 'wasm') + '/';
}

function installWorkerShims(): void {
  const g = globalThis as Record<string, unknown>;
  g.self ??= globalThis;
  g.importScripts ??= (url: string) => {
    const file = url.startsWith('file:') ? new URL(url).pathname : url;
    // The glue is CommonJS inside a "type": "module" package: `require` would load it as ESM.
    const glue = new (Module as unknown as new (id: string) => CompilableModule)(file);
    glue._compile(readFileSync(file, 'utf8'), file);
    g.ModuleFactory = glue.exports;
  };
}

/** Loads the LiteRT.js runtime once per process (~0.2 s); later calls share it. */
export function loadLiteRtNode(): Promise<LiteRtModule> {
  loading ??= (async () => {
    installWorkerShims();
    const litert = await import('@litertjs/core');
    // Read by the wasm loader as the emscripten Module argument, then cleared by it.
    (globalThis as Record<string, unknown>).Module = { print: runtimeLog, printErr: runtimeLog };
    // Node has no WebGPU; LiteRT.js warns while probing for it. Silence only that message.
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (verbose || !String(args[0]).startsWith('Failed to create default WebGPU device')) warn(...args);
    };
    try {
      await litert.loadLiteRt(liteRtWasmDir());
    } finally {
      console.warn = warn;
    }
    return litert;
  })().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/** A model input: Float32Array (float32), Uint8Array (uint8) or Int32Array (int32, e.g. token ids). */
export type ModelInput = Float32Array | Uint8Array | Int32Array;

/** A compiled model ready to run many times; call `close()` to free its wasm memory. */
export class TfliteSession {
  private constructor(
    private readonly litert: LiteRtModule,
    private readonly model: CompiledModel,
  ) {}

  static async create(modelBytes: Uint8Array): Promise<TfliteSession> {
    const litert = await loadLiteRtNode();
    // Bytes, not a path: a string is fetched as a URL.
    const model = await litert.loadAndCompile(modelBytes, { accelerator: 'wasm' });
    return new TfliteSession(litert, model);
  }

  get inputShapes(): number[][] {
    return this.model.getInputDetails().map((d) => Array.from(d.shape));
  }

  get outputShapes(): number[][] {
    return this.model.getOutputDetails().map((d) => Array.from(d.shape));
  }

  /**
   * Runs the default signature on inputs given in the model's input order: Float32Array for
   * float32 inputs, Uint8Array for uint8 ones (quantized models with uint8 I/O), Int32Array for
   * int32 ones (token ids of text models). Outputs come
   * back as Float32Array; a uint8 output holds its raw quantized values (0..255).
   */
  async run(inputs: readonly ModelInput[]): Promise<Float32Array[]> {
    // Copy: the typed array views wasm memory that delete() releases.
    return this.runWith(inputs, (outputs) => outputs.map((t) => Float32Array.from(t)));
  }

  /**
   * Like `run`, but hands `read` the outputs as views into wasm memory, valid only during the
   * call (no copy: what calibration uses to scan every activation of a large model).
   */
  async runWith<T>(inputs: readonly ModelInput[], read: (outputs: TypedArray[]) => T): Promise<T> {
    const shapes = this.inputShapes;
    if (inputs.length !== shapes.length) throw new Error(`Model takes ${shapes.length} inputs, got ${inputs.length}`);
    const tensors = inputs.map((data, i) => {
      const expected = shapes[i].reduce((p, d) => p * d, 1);
      if (data.length !== expected) throw new Error(`Input ${i}: ${data.length} values, shape [${shapes[i]}] needs ${expected}`);
      return new this.litert.Tensor(data as TypedArray, shapes[i]);
    });
    let outputs: Tensor[] = [];
    try {
      runtimeErrors = [];
      outputs = await this.model.run(tensors);
      // The runtime logs kernel preparation failures and returns uninitialised outputs.
      if (runtimeErrors.some((line) => line.includes('Failed to allocate tensors') || line.includes('failed to prepare'))) {
        throw new Error(`LiteRT.js could not run the model: ${runtimeErrors.join(' ').replace(/\s+/g, ' ').trim()}`);
      }
      return read(outputs.map((t) => t.toTypedArray()));
    } finally {
      for (const t of [...tensors, ...outputs]) t.delete();
    }
  }

  close(): void {
    this.model.delete();
  }
}

/** One-shot convenience: compile, run once, free. */
export async function runTflite(modelBytes: Uint8Array, inputs: readonly ModelInput[]): Promise<Float32Array[]> {
  const session = await TfliteSession.create(modelBytes);
  try {
    return await session.run(inputs);
  } finally {
    session.close();
  }
}

/** The first output for each of `samples` (a single-input model), one compiled session for all: what a test compares. */
export async function firstOutputs(modelBytes: Uint8Array, samples: readonly ModelInput[]): Promise<Float32Array[]> {
  const session = await TfliteSession.create(modelBytes);
  try {
    const out: Float32Array[] = [];
    for (const sample of samples) out.push(Float32Array.from((await session.run([sample]))[0]));
    return out;
  } finally {
    session.close();
  }
}
