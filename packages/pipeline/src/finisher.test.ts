import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, readLabels } from '@offgrid/tflite';
import type { LoadedDataset } from '@offgrid/engine/data';
import { createRandom } from '@offgrid/engine';
import { ModelFinisher } from './finisher.ts';
import { evaluateOnTest, packageModel } from './model-files.ts';

const random = createRandom(3);
const uniform = (n: number) => Float32Array.from({ length: n }, () => random.next() * 2 - 1);

/** A 16×16 RGB image classifier with a convolution: calibrating its int8 file takes a while in the TS interpreter. */
function classifier(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('image', [1, 16, 16, 3]);
  const conv = g.op('CONV_2D', [x, g.constant('w', [8, 3, 3, 3], uniform(216)), g.constant('b', [8], uniform(8))], { padding: 'same', activation: 'relu' });
  const flat = g.op('RESHAPE', [conv], { newShape: [1, 16 * 16 * 8] });
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [flat, g.constant('fw', [3, 2048], uniform(3 * 2048)), g.constant('fb', [3], uniform(3))])]));
  return g.build({ description: 'test' });
}

const count = 120;
const dataset: LoadedDataset = {
  kind: 'image', labels: ['a', 'b', 'c'], shape: [16, 16, 3], x: uniform(count * 768), targets: Int32Array.from({ length: count }, (_, i) => i % 3),
  sources: [], skipped: [], imageNormalization: { mean: 127.5, std: 127.5 },
};
const representative = Array.from({ length: 100 }, (_, i) => dataset.x.slice(i * 768, (i + 1) * 768));
const finisher = new ModelFinisher();
after(() => finisher.close());

test('the finisher packages and tests a model on its own thread: same files and figures, and the event loop keeps turning', async () => {
  const float32 = classifier();
  let ticks = 0;
  const ticking = setInterval(() => ticks++, 5);
  const started = performance.now();
  const files = await finisher.package(float32, dataset, representative, 'test');
  const seconds = (performance.now() - started) / 1000;
  const test = await finisher.evaluate(files, dataset, [100, 101, 102, 103, 104, 105]);
  clearInterval(ticking);
  // On this thread the loop would not turn at all while calibrating; on the finisher's it turns every few ms.
  assert.ok(ticks >= Math.min(20, seconds * 20), `${ticks} ticks in ${seconds.toFixed(2)} s`);
  const here = packageModel(float32, dataset, representative, 'test');
  assert.deepEqual(files.int8, here.int8, 'the same bytes as on the calling thread');
  assert.deepEqual(readLabels(files.int8), ['a', 'b', 'c']);
  assert.deepEqual(test, await evaluateOnTest(here, dataset, [100, 101, 102, 103, 104, 105]));
});

test('an error in the finisher comes back as the error; after close() a call starts a new thread', async () => {
  await assert.rejects(finisher.package(new Uint8Array(16), dataset, representative, 'broken'), (error: Error) => !/finisher's thread/.test(error.message));
  await finisher.close();
  const files = await finisher.package(classifier(), dataset, representative, 'again');
  assert.ok(files.int8.byteLength > 0);
});
