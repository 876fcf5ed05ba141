import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from '@offgrid/features';
import { GraphBuilder } from './graph-builder.ts';
import { firstOutputs, loadLiteRtNode } from './litert-node.ts';
import { quantizeInt8 } from './quantize.ts';
import { serializeModel } from './writer.ts';
import { parseModel } from './reader.ts';
import { withInputStandardization } from './input-standardization.ts';
import { classifierTrunk } from './classifier-head.ts';
import type { TfliteModel } from './model.ts';

const random = createRandom(5).next;
const uniform = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

// Columns of very different ranges, as in a real table (wine: proline ~ 750 ± 300, hue ~ 1 ± 0.2).
const scaling = { mean: [750, 1, -20, 0.05], std: [300, 0.2, 5, 0.01] };
const rawRow = () => scaling.mean.map((m, c) => m + scaling.std[c] * (random() * 4 - 2));
const standardize = (row: number[]) => Float32Array.from(row, (v, c) => (v - scaling.mean[c]) / scaling.std[c]);

/** x[4] (standardized) → dense 8 relu → dense 3 → softmax. */
function classifier(): TfliteModel {
  const g = new GraphBuilder();
  const x = g.input('features', [1, 4]);
  const hidden = g.op('FULLY_CONNECTED', [x, g.constant('w1', [8, 4], uniform(32)), g.constant('b1', [8], uniform(8, 0.1))], { activation: 'relu' });
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [hidden, g.constant('w2', [3, 8], uniform(24)), g.constant('b2', [3], uniform(3, 0.1))])]));
  return parseModel(g.build({ description: 'classifier' }));
}

const run = (model: TfliteModel, inputs: Float32Array[]) => firstOutputs(serializeModel(model), inputs);

const rows = Array.from({ length: 150 }, rawRow);
const float32 = classifier();
const int8 = quantizeInt8(float32, { representativeData: rows.map(standardize) });

before(async () => {
  await loadLiteRtNode();
});

test('raw values into the standardizing model = standardized values into the original (float32 and int8, LiteRT.js)', async () => {
  for (const model of [float32, int8]) {
    const inside = withInputStandardization(model, scaling);
    assert.deepEqual(inside.operators.slice(0, 2).map((o) => o.op), ['MUL', 'ADD']);
    assert.equal(inside.tensors[inside.inputs[0]].name, 'features', 'the input keeps its name');
    const roundTripped = parseModel(serializeModel(inside));
    const [mine, original] = [await run(roundTripped, rows.map((r) => Float32Array.from(r))), await run(model, rows.map(standardize))];
    for (let i = 0; i < rows.length; i++) {
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(mine[i][c] - original[i][c]) < (model === int8 ? 0.02 : 1e-5), `row ${i}, class ${c}: ${mine[i][c]} vs ${original[i][c]}`);
    }
  }
});

test('the int8 graph keeps its calibration: the scaling stays float and only the new ops come first', () => {
  const inside = withInputStandardization(int8, scaling);
  assert.deepEqual(inside.operators.slice(2), int8.operators, 'the int8 operators are untouched');
  for (const op of inside.operators.slice(0, 2)) for (const t of [...op.inputs, ...op.outputs]) assert.equal(inside.tensors[t].dtype, 'float32');
  assert.equal(inside.operators[2].op, 'QUANTIZE');
});

test('a classifier whose head reads the input directly still has a trunk: the scaling', () => {
  const g = new GraphBuilder();
  const x = g.input('features', [1, 4]);
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [x, g.constant('w', [3, 4], uniform(12)), g.constant('b', [3], uniform(3))])]));
  const trunk = classifierTrunk(withInputStandardization(parseModel(g.build({ description: 'linear' })), scaling));
  assert.deepEqual(trunk.operators.map((o) => o.op), ['MUL', 'ADD']);
});

test('refuses what it cannot standardize, saying why', () => {
  assert.throws(() => withInputStandardization(float32, { mean: [0, 0], std: [1, 1] }), /takes 4 features; the scaling has 2 means/);
  assert.throws(() => withInputStandardization(float32, { mean: [0, 0, 0, 0], std: [1, 0, 1, 1] }), /positive finite/);
  const g = new GraphBuilder();
  const ids = g.input('ids', [1, 4], { dtype: 'int32' });
  g.output(g.op('RESHAPE', [ids], { newShape: [4] }));
  assert.throws(() => withInputStandardization(parseModel(g.build({ description: 'ids' })), { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] }), /float32 input/);
});
