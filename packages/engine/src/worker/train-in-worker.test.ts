import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brightVersusDark } from '../train/synthetic.test-data.ts';
import { trainImageClassifierInWorker } from './train-in-worker.ts';
import type { TrainImageRequest } from './protocol.ts';
import type { TrainProgress } from '../train/progress.ts';
import { readLabels, readMetadata } from '@offgrid/tflite';

function request(overrides: Partial<TrainImageRequest> = {}): TrainImageRequest {
  const { images, targets } = brightVersusDark(60);
  return { inputShape: [32, 32, 3], labels: ['dark', 'bright'], images, targets, budgetSeconds: 20, epochs: 6, batchSize: 16, seed: 1, ...overrides };
}

test('trains in a worker, reports progress and returns TFLite bytes', async () => {
  const events: TrainProgress[] = [];
  const result = await trainImageClassifierInWorker(request(), { onProgress: (p) => events.push(p) });
  assert.equal(result.epochs, 6);
  assert.equal(result.metrics.epochs, 6);
  assert.ok(result.metrics.valAccuracy! >= 0.9, `valAccuracy ${result.metrics.valAccuracy}`);
  assert.ok(result.tflite instanceof Uint8Array && result.tflite.length > 1000);
  assert.equal(new TextDecoder().decode(result.tflite.subarray(4, 8)), 'TFL3');
  for (const bytes of [result.tflite, result.int8, result.float16]) {
    assert.deepEqual(readLabels(bytes), ['dark', 'bright']);
    assert.deepEqual(readMetadata(bytes).metadata?.inputs[0].normalization, { mean: [127.5], std: [127.5] });
  }
  assert.ok(result.int8.length < 0.3 * result.tflite.length, `int8 ${result.int8.length} B vs float32 ${result.tflite.length} B`);
  assert.deepEqual([...new Set(events.map((e) => e.phase))], ['preparing', 'training', 'exporting', 'done']);
  assert.ok(events.every((e, i) => i === 0 || e.fraction >= events[i - 1].fraction), 'fraction never decreases');
  assert.equal(events.at(-1)!.fraction, 1);
});

test('abort terminates the worker and rejects with an AbortError', async () => {
  const controller = new AbortController();
  const training = trainImageClassifierInWorker(request({ epochs: 1000, budgetSeconds: 60 }), {
    signal: controller.signal,
    onProgress: (p) => { if (p.phase === 'training') controller.abort(); },
  });
  await assert.rejects(training, { name: 'AbortError' });
});

test('an already aborted signal rejects without starting a worker', async () => {
  await assert.rejects(trainImageClassifierInWorker(request(), { signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('errors inside the worker reject with the worker\'s message', async () => {
  const bad = request({ targets: request().targets.map(() => 5) });
  await assert.rejects(trainImageClassifierInWorker(bad), /Training worker failed: target 0 is 5; expected an integer in \[0, 2\)/);
});
