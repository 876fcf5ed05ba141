/**
 * Anomaly detection end to end on generated data (clearly synthetic): windows of a noisy
 * sinusoid are "normal"; frequency-shifted windows and windows with a spike are anomalies. Trained
 * on normal windows only, exported, scored through LiteRT.js; AUROC and the detection rate at the
 * calibrated false-alarm rate are printed and asserted with margins below what was measured.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_CALIBRATION_SAMPLES, parseModel, quantizeInt8, readAnomalyThreshold, readMetadata, serializeModel } from '@offgrid/tflite';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { createRandom } from '../util/random.ts';
import { auroc, calibrateThreshold } from './threshold.ts';
import { scoreWithTflite, trainAnomalyDetector } from './train.ts';

const WINDOW = 32;

function windows(count: number, seed: number, kind: 'normal' | 'frequency' | 'spike'): Float32Array[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const cycles = kind === 'frequency' ? 3.2 + random.next() * 0.6 : 1.8 + random.next() * 0.4;
    const amplitude = 0.9 + random.next() * 0.2;
    const phase = random.next() * 2 * Math.PI;
    const w = Float32Array.from({ length: WINDOW }, (_, t) => amplitude * Math.sin((2 * Math.PI * cycles * t) / WINDOW + phase) + (random.next() - 0.5) * 0.1);
    if (kind === 'spike') w[Math.floor(random.next() * WINDOW)] += 2.5;
    return w;
  });
}

const concat = (list: Float32Array[]) => {
  const x = new Float32Array(list.length * WINDOW);
  list.forEach((w, i) => x.set(w, i * WINDOW));
  return x;
};

before(async () => {
  await initWasmBackend();
});

test('calibrateThreshold: the (1 − rate) quantile; at most ⌊rate·n⌋ scores above it', () => {
  const scores = Array.from({ length: 200 }, (_, i) => i / 10);
  assert.equal(calibrateThreshold(scores, 0.01), 19.7);
  assert.equal(scores.filter((s) => s > calibrateThreshold(scores, 0.05)).length, 10);
  assert.equal(calibrateThreshold(scores, 0), 19.9);
  assert.throws(() => calibrateThreshold(scores, 1), /falseAlarmRate must be in \[0, 1\)/);
  assert.throws(() => calibrateThreshold([], 0.1), /at least one score/);
  assert.equal(auroc([0, 1], [2, 3]), 1);
  assert.equal(auroc([1], [1]), 0.5);
});

test('autoencoder on normal sinusoid windows flags frequency shifts and spikes (float32 and int8 through LiteRT.js)', async () => {
  const normal = windows(500, 1, 'normal');
  const progress: string[] = [];
  const detector = await trainAnomalyDetector({
    x: concat(normal), shape: [WINDOW], seed: 3, falseAlarmRate: 0.02, budgetSeconds: 15, config: { bottleneck: 4 },
    onProgress: (p) => progress.push(p.phase),
  });
  assert.deepEqual([progress[0], progress.at(-2), progress.at(-1)], ['training', 'exporting', 'done']);
  assert.equal(readAnomalyThreshold(detector.float32), Math.fround(detector.threshold));
  assert.equal(readAnomalyThreshold(detector.int8), Math.fround(detector.thresholdInt8));
  assert.deepEqual(readMetadata(detector.float32).metadata?.outputs[0].name, 'anomaly_score');
  const int8Ops = parseModel(detector.int8).operators.map((o) => o.op);
  assert.deepEqual(int8Ops.slice(-5), ['SUB', 'MUL', 'DEQUANTIZE', 'SQUARED_DIFFERENCE', 'MEAN'], 'float score tail');

  const testNormal = windows(200, 2, 'normal');
  const anomalies = [...windows(100, 4, 'frequency'), ...windows(100, 5, 'spike')];
  const report: string[] = [];
  const measure = async (name: string, bytes: Uint8Array, threshold: number) => {
    const [n, a] = [await scoreWithTflite(bytes, testNormal), await scoreWithTflite(bytes, anomalies)];
    const result = { auroc: auroc(n, a), detection: a.filter((s) => s > threshold).length / a.length, falseAlarms: n.filter((s) => s > threshold).length / n.length };
    report.push(`${name}: AUROC ${result.auroc.toFixed(4)}, detection ${(result.detection * 100).toFixed(1)}%, false alarms ${(result.falseAlarms * 100).toFixed(1)}% (calibrated for 2%)`);
    return result;
  };
  const float = await measure('float32', detector.float32, detector.threshold);
  const int8 = await measure('int8 (float score tail)', detector.int8, detector.thresholdInt8);
  // The alternative measured for the decision: the score tail in int8 too.
  const floatModel = parseModel(detector.float32);
  const calibration = normal.slice(0, MIN_CALIBRATION_SAMPLES);
  const allInt8 = serializeModel(quantizeInt8(floatModel, { representativeData: calibration }));
  const allInt8Threshold = calibrateThreshold(await scoreWithTflite(allInt8, normal.slice(0, 125)), 0.02);
  const int8Tail = await measure('int8 (int8 score tail)', allInt8, allInt8Threshold);
  console.log(`epochs ${detector.epochs} (${detector.stoppedBy}), held-out loss ${detector.validationLoss.toFixed(4)}, thresholds ${detector.threshold.toFixed(4)} / ${detector.thresholdInt8.toFixed(4)}\n${report.join('\n')}`);
  assert.ok(float.auroc >= 0.95, `float32 AUROC ${float.auroc}`);
  assert.ok(int8.auroc >= 0.95, `int8 AUROC ${int8.auroc}`);
  assert.ok(float.detection >= 0.9 && int8.detection >= 0.9, `detection ${float.detection} / ${int8.detection}`);
  assert.ok(float.falseAlarms <= 0.08 && int8.falseAlarms <= 0.08, `false alarms on fresh normal data ${float.falseAlarms} / ${int8.falseAlarms}`);
  assert.ok(int8Tail.auroc <= int8.auroc + 0.01, 'the float tail is not worse than an int8 tail');
});

test('bad input is refused with a clear error', async () => {
  await assert.rejects(trainAnomalyDetector({ x: new Float32Array(19 * WINDOW), shape: [WINDOW], falseAlarmRate: 0.01, budgetSeconds: 1 }), /at least 20 normal samples \(got 19\)/);
  await assert.rejects(trainAnomalyDetector({ x: new Float32Array(33), shape: [WINDOW], falseAlarmRate: 0.01, budgetSeconds: 1 }), /multiple of 32/);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(trainAnomalyDetector({ x: concat(windows(120, 9, 'normal')), shape: [WINDOW], falseAlarmRate: 0.01, budgetSeconds: 5, signal: controller.signal }), { name: 'AbortError' });
});

test('a few dozen normal samples are enough; fewer than MIN_NORMAL_SAMPLES get a clear error', async () => {
  const detector = await trainAnomalyDetector({ x: concat(windows(30, 5, 'normal')), shape: [WINDOW], seed: 1, falseAlarmRate: 0.05, budgetSeconds: 5, config: { bottleneck: 4 } });
  const [normalScores, spikeScores] = [await scoreWithTflite(detector.int8, windows(40, 6, 'normal')), await scoreWithTflite(detector.int8, windows(40, 7, 'spike'))];
  assert.ok(auroc(normalScores, spikeScores) > 0.8, `AUROC ${auroc(normalScores, spikeScores)}`);
  await assert.rejects(trainAnomalyDetector({ x: concat(windows(10, 5, 'normal')), shape: [WINDOW], falseAlarmRate: 0.05, budgetSeconds: 5 }), /needs at least 20 normal samples \(got 10\)/);
});

test('a feature that barely moves in normal data does not let sensor noise swamp the score', async () => {
  // Feature 0 is a near-constant channel (1e-6 noise in training); fresh normal data has 1e-3 noise there,
  // still physically nothing. Without a std floor its standardized deviation is ~1000 and every window alarms.
  const withQuietFeature = (list: Float32Array[], noise: number, seed: number) => {
    const random = createRandom(seed);
    return list.map((w) => Float32Array.from(w, (v, t) => (t === 0 ? (random.next() - 0.5) * noise : v)));
  };
  const detector = await trainAnomalyDetector({ x: concat(withQuietFeature(windows(300, 8, 'normal'), 2e-6, 1)), shape: [WINDOW], seed: 2, falseAlarmRate: 0.02, budgetSeconds: 8, config: { bottleneck: 4 } });
  const fresh = await scoreWithTflite(detector.float32, withQuietFeature(windows(100, 9, 'normal'), 2e-3, 2));
  const alarms = fresh.filter((s) => s > detector.threshold).length;
  assert.ok(alarms <= 10, `${alarms} of 100 fresh normal windows alarmed (threshold ${detector.threshold})`);
});
