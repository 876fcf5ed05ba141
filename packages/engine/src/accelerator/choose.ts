import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SelfTestResult } from './self-test.ts';

/** What a user asks for: `auto` lets the self-test decide. */
export type AcceleratorRequest = 'auto' | 'webgpu' | 'wasm';
export const ACCELERATOR_REQUESTS: readonly AcceleratorRequest[] = ['auto', 'webgpu', 'wasm'];
/** What training then runs on. */
export type TrainingBackend = 'wasm' | 'webgpu';

export interface AcceleratorChoice {
  backend: TrainingBackend;
  /** One sentence a person can act on: what was chosen and why (or why not WebGPU). */
  reason: string;
  adapter?: string;
  gradientError?: number;
  /** WebGPU steps per second ÷ wasm's on the reference CNN. */
  speedup?: number;
}

/** WebGPU's gradients may differ from cpu's by this much (relative to the largest): float32 sums in another order. */
export const GRADIENT_TOLERANCE = 1e-3;
/** Timed steps per backend in the self-test (after one warm-up each): a few seconds on a software adapter. */
const TIMED_STEPS = 3;

/**
 * Picks the training backend. `wasm`: wasm. Otherwise a self-test in its own process checks WebGPU's gradients
 * against the cpu backend and times the reference CNN on both: `webgpu` uses WebGPU when its gradients are right,
 * `auto` only when they are right and it trains faster than wasm (a software adapter is not even tried: seconds
 * instead of a minute). Any failure falls back to wasm, with the reason.
 */
export async function chooseAccelerator(request: AcceleratorRequest = 'auto'): Promise<AcceleratorChoice> {
  if (request === 'wasm') return { backend: 'wasm', reason: 'wasm, as asked' };
  let test: SelfTestResult;
  try {
    test = await runSelfTest(request === 'auto');
  } catch (error) {
    return { backend: 'wasm', reason: `wasm: the WebGPU self-test failed (${(error as Error).message})` };
  }
  if (!test.available) return { backend: 'wasm', reason: `wasm: ${test.reason}` };
  const { adapter, gradientError, speedup } = test;
  if (gradientError === undefined) {
    return { backend: 'wasm', adapter, reason: `wasm: the only WebGPU adapter here, ${adapter}, is a software one (it runs on the CPU, slower than wasm)` };
  }
  const measured = { adapter, gradientError, speedup };
  if (!(gradientError <= GRADIENT_TOLERANCE)) {
    return { backend: 'wasm', ...measured, reason: `wasm: WebGPU on ${adapter} computed gradients ${gradientError.toExponential(1)} away from the cpu reference (at most ${GRADIENT_TOLERANCE} allowed)` };
  }
  const pace = `${speedup!.toFixed(2)}x wasm's training speed`;
  if (request === 'webgpu') return { backend: 'webgpu', ...measured, reason: `webgpu, as asked: ${adapter}, gradients match cpu, ${pace}` };
  if (speedup! <= 1) return { backend: 'wasm', ...measured, reason: `wasm: WebGPU on ${adapter} is correct but slower (${pace})` };
  return { backend: 'webgpu', ...measured, reason: `webgpu: ${adapter}, gradients match cpu, ${pace}` };
}

const SELF_TEST = fileURLToPath(new URL('./self-test-process.ts', import.meta.url));
/** The self-test should take seconds; a driver that hangs must not hold training up. */
const SELF_TEST_TIMEOUT_MS = 120_000;

/** Runs self-test-process.ts (with the same TypeScript loader as this process) and parses its one JSON line. */
function runSelfTest(skipSoftware: boolean): Promise<SelfTestResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', SELF_TEST, String(TIMED_STEPS), skipSoftware ? '1' : '0'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: SELF_TEST_TIMEOUT_MS, maxBuffer: 1 << 20,
    }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1);
      if (!error && line) return resolve(JSON.parse(line) as SelfTestResult);
      const why = stderr.trim().split('\n').filter((text) => !text.startsWith('Warning:')).at(-1);
      reject(new Error(error?.killed ? `no answer within ${SELF_TEST_TIMEOUT_MS / 1000} s` : why || error?.message || 'no result'));
    });
  });
}
