export { initWasmBackend, wasmBinaryDirectory } from './init-wasm.ts';
export { registerWasmTrainingKernels, wasmTrainingKernels } from './training-kernels.ts';
