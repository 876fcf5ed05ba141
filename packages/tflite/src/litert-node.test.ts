import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from './graph-builder.ts';
import { TfliteSession, loadLiteRtNode, runTflite } from './litert-node.ts';

function twoOutputModel(): Uint8Array {
  const g = new GraphBuilder();
  const b = g.input('z_second', [1, 3]);
  const a = g.input('a_first', [1, 3]);
  // Names sort opposite to output order: results must follow the model's output order.
  g.output(g.op('ADD', [b, a], {}, { name: 'z_sum' }), g.op('RELU', [a], {}, { name: 'a_relu' }));
  // Metadata buffers ride along without disturbing the runtime.
  g.addMetadata('TFLITE_METADATA', new Uint8Array([1, 2, 3, 4, 5]));
  return g.build({ description: 'two outputs' });
}

before(async () => {
  await loadLiteRtNode();
});

test('runTflite runs a model with several inputs and outputs, in order', async () => {
  const [sum, relu] = await runTflite(twoOutputModel(), [new Float32Array([10, 20, 30]), new Float32Array([1, -2, 3])]);
  assert.deepEqual(Array.from(sum), [11, 18, 33]);
  assert.deepEqual(Array.from(relu), [1, 0, 3]);
});

test('a session reports shapes, runs repeatedly and checks input sizes', async () => {
  const session = await TfliteSession.create(twoOutputModel());
  try {
    assert.deepEqual(session.inputShapes, [[1, 3], [1, 3]]);
    assert.deepEqual(session.outputShapes, [[1, 3], [1, 3]]);
    for (let i = 0; i < 3; i++) {
      const [sum] = await session.run([new Float32Array([1, 1, 1]), new Float32Array([i, i, i])]);
      assert.deepEqual(Array.from(sum), [i + 1, i + 1, i + 1]);
    }
    await assert.rejects(session.run([new Float32Array(3)]), /takes 2 inputs/);
    await assert.rejects(session.run([new Float32Array(2), new Float32Array(3)]), /Input 0: 2 values/);
  } finally {
    session.close();
  }
});

test('loadLiteRtNode is idempotent', async () => {
  assert.equal(await loadLiteRtNode(), await loadLiteRtNode());
});
