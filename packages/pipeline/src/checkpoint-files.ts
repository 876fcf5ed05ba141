import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TrainingCheckpoint } from '@offgrid/engine';

/** [epoch u32][optimizerStep u32][engine bytes], written atomically so a kill leaves the previous checkpoint. */
export async function writeCheckpoint(path: string, checkpoint: TrainingCheckpoint): Promise<void> {
  const header = new Uint8Array(8);
  new DataView(header.buffer).setUint32(0, checkpoint.epoch, true);
  new DataView(header.buffer).setUint32(4, checkpoint.optimizerStep, true);
  await writeFileAtomic(path, [header, checkpoint.bytes]);
}

export async function readCheckpoint(path: string): Promise<TrainingCheckpoint> {
  const bytes = new Uint8Array(await readFile(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { epoch: view.getUint32(0, true), optimizerStep: view.getUint32(4, true), bytes: bytes.subarray(8) };
}

/**
 * A finished trial's float32 model, kept on disk so a search resumed after a crash can still ship a winner
 * that finished before the crash (the process that trained it is gone).
 */
export async function writeTrialModel(path: string, tflite: Uint8Array): Promise<void> {
  await writeFileAtomic(path, [tflite]);
}

/** undefined when the trial has no stored model. */
export async function readTrialModel(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Temp file, fsync, rename: a reader sees the old file or the new one, never half of one. */
async function writeFileAtomic(path: string, parts: Uint8Array[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w');
  try {
    for (const part of parts) await file.writeFile(part);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
}
