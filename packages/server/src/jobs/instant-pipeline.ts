import type { TrainReport } from '@offgrid/pipeline';
import type { SearchPipeline } from './job-runner.ts';

export interface InstantPipelineOptions {
  /** Epochs of the one "trial" it reports (default 3), `delayMs` apart. */
  epochs?: number;
  delayMs?: number;
  /** Waits for the abort (a server shutdown) before doing anything. */
  holdUntilAborted?: boolean;
  /** Real .tflite files to return (the federated tests need a classifier head); default: stand-in bytes. */
  files?: (labels: string[], shape: number[]) => { float32: Uint8Array; int8: Uint8Array; holdout?: Uint8Array };
}

/**
 * Test stand-in for `trainPipeline` where the search itself is not under test (registry, sockets, archives):
 * it emits the pipeline's events for one trial and returns "model files" whose bytes depend only on the seed,
 * so two jobs with the same seed share blobs. Real searches are tested in training.test.ts and durability.test.ts.
 */
export function instantPipeline({ epochs = 3, delayMs = 0, holdUntilAborted = false, files: realFiles }: InstantPipelineOptions = {}): SearchPipeline {
  return async (dataset, options) => {
    const { signal, onEvent = () => {} } = options;
    if (holdUntilAborted && !signal?.aborted) await new Promise((resolve) => signal?.addEventListener('abort', resolve));
    signal?.throwIfAborted();
    const family = 'small-cnn';
    onEvent({ type: 'phase', phase: 'searching', detail: 'instant' });
    onEvent({ type: 'search', event: { type: 'trialStarted', trialNumber: 0, config: { family }, rung: 0, resource: epochs, resumed: false } });
    for (let epoch = 1; epoch <= epochs; epoch++) {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      signal?.throwIfAborted();
      onEvent({ type: 'trialProgress', trialNumber: 0, family, progress: { phase: 'training', epoch, epochs, fraction: epoch / epochs, loss: 1 / epoch, valAccuracy: 0.5 } });
      onEvent({ type: 'search', event: { type: 'epochReported', trialNumber: 0, step: epoch, metrics: { valAccuracy: 0.5 } } });
    }
    onEvent({ type: 'search', event: { type: 'trialFinished', trialNumber: 0, status: 'completed', value: 0.5 } });
    for (const phase of ['retraining', 'quantizing', 'evaluating'] as const) onEvent({ type: 'phase', phase, detail: 'instant' });

    const bytes = (variant: number) => new Uint8Array(1000).map((_, i) => (i * 7 + options.seed * 13 + variant) % 256);
    const files = realFiles ? realFiles(dataset.labels, dataset.shape) : { float32: bytes(0), int8: bytes(1) };
    const n = dataset.labels.length;
    // Only image projects use this stand-in (the registry, socket and archive tests).
    const normalization = dataset.imageNormalization ?? { mean: 127.5, std: 127.5 };
    const evaluation = { accuracy: 0.5, macroF1: 0.5, perClass: dataset.labels.map((label) => ({ label, precision: 0.5, recall: 0.5 })), confusion: dataset.labels.map(() => new Array<number>(n).fill(1)) };
    const report: TrainReport = {
      createdAt: new Date().toISOString(),
      task: 'classify',
      input: { source: options.source, kind: 'image', shape: dataset.shape, dtype: 'float32', preprocessing: { image: { width: dataset.shape[1], height: dataset.shape[0], ...normalization } }, normalization },
      labels: dataset.labels,
      split: { train: dataset.targets.length, validation: 0, test: 0, searchSamples: dataset.targets.length, seed: options.seed },
      budgetSeconds: options.budgetSeconds, elapsedSeconds: 0,
      winner: { trialNumber: 0, family, config: { family }, epochs, retrained: false },
      metrics: { validation: { accuracy: 0.5 }, test: { float32: evaluation, int8: evaluation }, int8AgreementWithFloat32: 1 },
      sizes: { float32Bytes: files.float32.byteLength, int8Bytes: files.int8.byteLength, int8Ratio: 1 },
      trials: [{ number: 0, family, config: { family }, status: 'completed (winner)', valAccuracy: 0.5, startedAt: new Date().toISOString(), seconds: 0, history: Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, valAccuracy: 0.5 })) }],
    };
    return { files, report };
  };
}
