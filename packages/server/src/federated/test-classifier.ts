import { createRandom } from '@offgrid/features';
import { GraphBuilder, imageClassifierMetadata, parseModel, quantizeInt8, serializeWithMetadata } from '@offgrid/tflite';

/**
 * A small real image classifier for the federated tests: pixels → dense 8 (ReLU, the trunk) → dense → softmax, with
 * labels metadata, in float32 and int8. Its accuracy does not matter; its head, trunk and metadata do.
 */
export function tinyClassifier(labels: string[], shape: number[], seed = 1): { float32: Uint8Array; int8: Uint8Array } {
  const random = createRandom(seed).next;
  const values = (n: number, scale: number) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
  const size = shape.reduce((product, n) => product * n, 1);
  const g = new GraphBuilder();
  const x = g.input('image', [1, ...shape]);
  const flat = g.op('RESHAPE', [x], { newShape: [1, -1] });
  const hidden = g.op('FULLY_CONNECTED', [flat, g.constant('w1', [8, size], values(8 * size, 1 / Math.sqrt(size))), g.constant('b1', [8], values(8, 0.1))], { activation: 'relu' });
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [hidden, g.constant('w2', [labels.length, 8], values(labels.length * 8, 0.5)), g.constant('b2', [labels.length], values(labels.length, 0.1))])]));
  const model = parseModel(g.build({ description: 'federated test classifier' }));
  const { metadata, files } = imageClassifierMetadata({ name: 'test', labels, inputShape: [1, ...shape], normalization: { mean: [127.5], std: [127.5] } });
  const int8 = quantizeInt8(model, { representativeData: Array.from({ length: 100 }, () => values(size, 1)) });
  return { float32: serializeWithMetadata(model, metadata, files), int8: serializeWithMetadata(int8, metadata, files) };
}
