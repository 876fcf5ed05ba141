import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TrainingCheckpoint } from '@offgrid/engine';

/** [epoch u32][optimizerStep u32][engine bytes], written atomically so a kill leaves the previous checkpoint. */
export async function writeCheckpoint(path: string, checkpoint: TrainingCheckpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const header = new Uint8Array(8);
  new DataView(header.buffer).setUint32(0, checkpoint.epoch, true);
  new DataView(header.buffer).setUint32(4, checkpoint.optimizerStep, true);
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w');
  try {
    await file.writeFile(header);
    await file.writeFile(checkpoint.bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
}

export async function readCheckpoint(path: string): Promise<TrainingCheckpoint> {
  const bytes = new Uint8Array(await readFile(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { epoch: view.getUint32(0, true), optimizerStep: view.getUint32(4, true), bytes: bytes.subarray(8) };
}
