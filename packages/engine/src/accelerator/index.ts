export { chooseAccelerator, ACCELERATOR_REQUESTS, GRADIENT_TOLERANCE } from './choose.ts';
export type { AcceleratorChoice, AcceleratorRequest, TrainingBackend } from './choose.ts';
export { initWebGpuBackend } from './webgpu.ts';
