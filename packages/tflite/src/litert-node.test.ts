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

test('a model the runtime cannot prepare is refused, not run as garbage', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 4, 4, 2]);
  // The builtin float depthwise kernel (used when an activation is also a model output) needs a bias.
  const conv = g.op('CONV_2D', [x, g.constant('cw', [2, 1, 1, 2], new Float32Array(4).fill(0.5)), g.constant('cb', [2], new Float32Array(2))], { activation: 'relu6' });
  const dw = g.op('DEPTHWISE_CONV_2D', [conv, g.constant('w', [1, 3, 3, 2], new Float32Array(18).fill(0.1)), null], { padding: 'same' });
  g.output(conv, dw, g.op('ADD', [conv, dw]));
  await assert.rejects(runTflite(g.build(), [new Float32Array(32)]), /LiteRT.js could not run the model: .*failed to prepare/);
});
