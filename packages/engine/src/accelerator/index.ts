// '@offgrid/engine/accelerator': choosing what trains, and falling back to wasm, without loading TF.js (a server
// decides at start-up and loads TF.js only once a job runs). initWebGpuBackend is in the main entry.
export { chooseAccelerator, ACCELERATOR_REQUESTS, GRADIENT_TOLERANCE } from './choose.ts';
export type { AcceleratorChoice, AcceleratorRequest, TrainingBackend } from './choose.ts';
export { LOSE_DEVICE_ENV, WasmFallbackTrials, WEBGPU_FAILURE, type AcceleratorFallback } from './fallback.ts';
