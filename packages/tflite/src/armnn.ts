/**
 * Arm NN as a second reader of our files: its own TFLite parser and reference CPU backend (the engine behind many
 * Android NNAPI drivers), sharing no code with TFLite. Where LiteRT.js and Arm NN agree, the file means what we
 * think it means, not just what one runtime tolerates. Debian: python3-pyarmnn libarmnn-cpuref-backend22
 * (scripts/setup.sh installs them); runs through Debian's own /usr/bin/python3.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('./armnn-run.py', import.meta.url));

/** The first output of `bytes` for each float32 input, computed by Arm NN. */
export function runArmNn(bytes: Uint8Array, inputs: readonly Float32Array[]): Float32Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-armnn-'));
  try {
    const path = join(dir, 'model.tflite');
    writeFileSync(path, bytes);
    const stdin = new Float32Array(inputs.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of inputs) stdin.set(x, (at += x.length) - x.length);
    let out: Buffer;
    try {
      out = execFileSync('/usr/bin/python3', [RUNNER, path], { input: Buffer.from(stdin.buffer), maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      // The last line of Python's traceback is Arm NN's own reason (e.g. "Operator not supported … GATHER").
      const reason = String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n').at(-1)?.trim();
      throw new Error(`Arm NN could not run the model: ${reason || (error as Error).message}`, { cause: error });
    }
    const all = new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
    const size = all.length / inputs.length;
    return inputs.map((_, i) => all.slice(i * size, (i + 1) * size));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
