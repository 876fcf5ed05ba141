import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelVersion } from '@offgrid/sdk';
import { agreesWithFloat32, answerOf, chooseVariant, type VariantMeasurement } from './variant-rule.ts';

const m = (variant: 'int8' | 'float32', accelerator: 'wasm' | 'webgpu', latencyMs: number | undefined, agreeing = 16, probes = 16): VariantMeasurement =>
  latencyMs === undefined ? { variant, accelerator, error: 'no' } : { variant, accelerator, latencyMs, agreeing, probes };

test('int8 wins unless a float file is clearly faster; only variants that agree with float32 count', () => {
  assert.deepEqual(pick([m('float32', 'wasm', 1.0), m('int8', 'wasm', 0.7)]), ['int8', 'wasm', 'measured']);
  // 10% faster is timer noise on a phone: int8 stays.
  assert.deepEqual(pick([m('float32', 'wasm', 0.9), m('int8', 'wasm', 1.0)]), ['int8', 'wasm', 'measured']);
  assert.deepEqual(pick([m('float32', 'webgpu', 0.5), m('float32', 'wasm', 2), m('int8', 'wasm', 1.0)]), ['float32', 'webgpu', 'measured']);
  // The fastest int8 on any accelerator.
  assert.deepEqual(pick([m('float32', 'wasm', 2), m('int8', 'wasm', 1.0), m('int8', 'webgpu', 0.6)]), ['int8', 'webgpu', 'measured']);
  // int8 on webgpu disagrees (a broken kernel): it is not used even though it is fastest.
  assert.deepEqual(pick([m('float32', 'wasm', 2), m('int8', 'wasm', 1.0), m('int8', 'webgpu', 0.1, 9)]), ['int8', 'wasm', 'measured']);
  // 15 of 16 (94%) is enough, 14 of 16 (88%) is not.
  assert.deepEqual(pick([m('float32', 'wasm', 2), m('int8', 'wasm', 1.0, 15)]), ['int8', 'wasm', 'measured']);
  assert.deepEqual(pick([m('float32', 'wasm', 2), m('int8', 'wasm', 1.0, 14)]), ['float32', 'wasm', 'measured']);
  // Nothing ran: the default, and it says so.
  const none = chooseVariant([m('float32', 'wasm', undefined), m('int8', 'wasm', undefined)]);
  assert.deepEqual([none.variant, none.accelerator, none.how], ['int8', 'wasm', 'default']);
  assert.match(none.reason, /nothing could be measured/);
  assert.match(chooseVariant([m('float32', 'wasm', 1.0), m('int8', 'wasm', 0.5)]).reason, /^int8 0\.50 ms on wasm, 16\/16 probe samples agree with float32; float32 1\.00 ms on wasm/);
});

test('answers: the top class, or the alarm with the threshold of the file that runs', () => {
  const classifier = { metrics: {} } as unknown as ModelVersion;
  assert.equal(answerOf(classifier, 'int8', Float32Array.from([0.1, 0.7, 0.2])), 1);
  const detector = { metrics: { anomaly: { threshold: 1.0, thresholdInt8: 1.5, falseAlarmRate: 0.01 } } } as unknown as ModelVersion;
  assert.equal(answerOf(detector, 'float32', Float32Array.from([1.2])), 1);
  assert.equal(answerOf(detector, 'int8', Float32Array.from([1.2])), 0);
});

function pick(measurements: VariantMeasurement[]): [string, string, string] {
  const { variant, accelerator, how } = chooseVariant(measurements);
  return [variant, accelerator, how];
}

test('agreement with float32: the same answer, or a near-tie that quantization may tip either way', () => {
  const classifier = { metrics: {} } as unknown as ModelVersion;
  const agrees = (reference: number[], scores: number[]) => agreesWithFloat32(classifier, 'int8', Float32Array.from(reference), Float32Array.from(scores));
  assert.equal(agrees([0.1, 0.7, 0.2], [0.1, 0.6, 0.3]), true);
  assert.equal(agrees([0.1, 0.7, 0.2], [0.1, 0.3, 0.6]), false, 'a clear answer changed');
  // A model that has not learned: float32 itself can hardly tell the classes apart.
  assert.equal(agrees([0.335, 0.333, 0.332], [0.332, 0.336, 0.332]), true);
  assert.equal(agrees([0.36, 0.33, 0.31], [0.32, 0.34, 0.34]), false, '3 points apart is an answer');
  const detector = { metrics: { anomaly: { threshold: 1.0, thresholdInt8: 1.5, falseAlarmRate: 0.01 } } } as unknown as ModelVersion;
  const alarm = (reference: number, score: number) => agreesWithFloat32(detector, 'int8', Float32Array.from([reference]), Float32Array.from([score]));
  assert.equal(alarm(1.2, 1.6), true, 'both alarm, each with its own threshold');
  assert.equal(alarm(1.2, 1.2), false);
  assert.equal(alarm(1.01, 1.2), true, 'float32 sits on its threshold');
});
