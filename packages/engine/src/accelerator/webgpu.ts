import * as tf from '@tensorflow/tfjs';

export interface WebGpuAdapter {
  description: string;
  /** A software adapter (Mesa's lavapipe, SwiftShader): it runs on the CPU, slower than wasm. */
  software: boolean;
}

let ready: Promise<WebGpuAdapter> | undefined;

/** Dawn's first adapter, without creating a device (which is when Dawn prints its limit warnings). */
export async function findAdapter(): Promise<WebGpuAdapter & { gpu: GPU; adapter: GPUAdapter }> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals); // GPUBufferUsage and friends, which the tfjs backend reads as globals
  const gpu = create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error('No WebGPU adapter: this machine has no GPU driver with Vulkan (Linux), Metal (macOS) or D3D12 (Windows). Install the GPU vendor\'s driver, or Mesa\'s (mesa-vulkan-drivers) for a software adapter.');
  }
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return { gpu, adapter, description: describeAdapter(info), software: info.isFallbackAdapter === true || info.architecture === 'software' };
}

/**
 * Makes `webgpu` the active tfjs backend in this thread, on the first adapter Dawn finds (npm `webgpu`: Dawn for
 * Node, prebuilt for Linux, macOS and Windows; it drives Vulkan, Metal or D3D12, so any vendor's GPU and no CUDA).
 * Resolves to the adapter; rejects, with what to install, when there is none. Idempotent per thread.
 */
export function initWebGpuBackend(): Promise<WebGpuAdapter> {
  ready ??= (async () => {
    const { gpu, description, software } = await findAdapter();
    // tfjs-backend-webgpu looks for navigator.gpu when it loads (Node 20 has no navigator).
    const host = globalThis as unknown as { navigator?: { gpu?: unknown } };
    if (host.navigator) host.navigator.gpu = gpu;
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its webgpu backend on this adapter.');
    await tf.ready();
    return { description, software };
  })().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return ready;
}

function describeAdapter(info: { vendor: string; architecture: string; device: string; description: string }): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].map((part) => part.trim()).filter(Boolean);
  return [...new Set(parts)].join(' ') || 'unnamed adapter';
}
