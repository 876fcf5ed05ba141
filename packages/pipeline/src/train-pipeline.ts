import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { asha, runSearch, SqliteTrialStorage, tpeSampler, warmStartSampler, type LeaderboardEntry, type SearchEvent, type StoredTrial } from '@offgrid/automl';
import { createRandom, groupedStratifiedSplit, localTrials, TrainingFailure, TrialPool, WasmFallbackTrials, type AcceleratorChoice, type AcceleratorFallback, type Random, type TrialExecutor, type TrialProgress } from '@offgrid/engine';
import type { LoadedDataset } from '@offgrid/engine/data';
import { countMacs, parseModel } from '@offgrid/tflite';
import { encodeHoldout, encodeProbes, textIdCount, type Task } from '@offgrid/features';
import { trainAnomalyPipeline } from './anomaly-pipeline.ts';
import { readCheckpoint, readTrialModel, writeCheckpoint, writeTrialModel } from './checkpoint-files.ts';
import { CALIBRATION_SAMPLES, calibrationSamples, fileInputs, identityScaling, type ModelFiles } from './model-files.ts';
import { ModelFinisher } from './finisher.ts';
import { inputPreprocessing, modelView, type ModelView } from './model-input.ts';
import { defaultConfigsFor, searchSpaceFor, splitConfig } from './search-space.ts';
import { limitConstraints, measureTrialModel, type ModelLimits, type SearchObjective } from './trial-measures.ts';
import { groupingOf, type EvaluationSummary, type TrainReport, type TrialSummary } from './report.ts';
import { planTransfer, transferCalibrationIndices, TRANSFER_FAMILY, transferDataset, transferPackagingSeconds, TRANSFER_CALIBRATION_SAMPLES as TRANSFER_CALIBRATION, type TransferOptions } from './transfer.ts';

export interface TrainPipelineOptions {
  budgetSeconds: number;
  seed: number;
  /** Trials in parallel, one worker thread each (default: 2, one per core here). */
  concurrency: number;
  /** Holds search.db and checkpoints: running again with the same folder resumes the search. */
  workDir: string;
  name: string;
  source: string;
  /**
   * A separate test set (same labels and sample shape; load it with the training set's preprocessing specs);
   * default: 15% of `dataset`, stratified, whole recordings (`dataset.groups`) on one side.
   */
  testData?: LoadedDataset;
  /** What trials are ranked by (default 'float32': validation accuracy of the float model; 'int8': of its int8 file). */
  objective?: SearchObjective;
  /** The phone's limits (int8 file size, MACs per inference): a trial over one is infeasible and never wins. */
  limits?: ModelLimits;
  /**
   * Above this many training samples the search runs on a stratified sample of this size (and half the budget),
   * and the winner then continues from its trial's weights on all of them (default 8000).
   */
  searchSampleLimit?: number;
  /** 'classify' (default), or 'anomaly': learn what `normal` samples look like; other labels are known anomalies. */
  task?: Task;
  /** Anomaly: share of normal samples allowed to raise an alarm; sets the threshold (default 0.01). */
  falseAlarmRate?: number;
  /** What trials train on (engine chooseAccelerator; default wasm). Shown in the report. */
  accelerator?: AcceleratorChoice;
  /**
   * Where trials and the winner's retraining train (default: a TrialPool of this process's worker threads, `concurrency`
   * kept warm between trials and closed when the pipeline ends). A coordinator passes one that queues them for other
   * machines; the search still decides here.
   */
  executor?: TrialExecutor;
  /**
   * Image data: offer the transfer family (a head over a frozen backbone's embeddings) when embedding the training
   * images fits the search's budget. Needs the image files themselves: the backbone takes its own input size.
   */
  transfer?: TransferOptions;
  onEvent?: (event: PipelineEvent) => void;
  signal?: AbortSignal;
}

export type PipelinePhase = 'searching' | 'retraining' | 'quantizing' | 'evaluating';

export type PipelineEvent =
  /** Trials a previous run of the same search (same workDir) already stored; the search resumes from them. */
  | { type: 'resumed'; trials: TrialSummary[] }
  | { type: 'search'; event: SearchEvent }
  /** `trialNumber` is -1 for the winner's retraining. */
  | { type: 'trialProgress'; trialNumber: number; family: string; progress: TrialProgress }
  | { type: 'phase'; phase: PipelinePhase; detail: string }
  /** WebGPU failed (device lost, out of memory, a kernel error): that training reruns on wasm, and so does all that follows. */
  | { type: 'acceleratorFallback'; fallback: AcceleratorFallback };

/**
 * Share of the budget for the search; the rest retrains the winner, quantizes and evaluates. Large datasets
 * are searched on a stratified subsample (trials of seconds instead of minutes, so TPE and ASHA get enough
 * of them) and keep half the budget to retrain the winner on everything.
 */
const SEARCH_SHARE = { small: 0.75, large: 0.5 };
const SEARCH_SAMPLE_LIMIT = 8000;
/** Below this, batches are small (effectiveBatchSize) and halving them would change training more than it saves. */
const DATA_PARALLEL_MIN_SAMPLES = 2000;
const TEST_FRACTION = 0.15;
/** ASHA rungs in epochs: 1, 3, 9, 27. */
const EPOCH_RUNGS = { minResource: 1, maxResource: 27, reductionFactor: 3 };
/**
 * Cross-validated trials start at 3 epochs (rungs 3, 9, 27): on a small table an epoch is a few optimizer steps, so
 * after one the MLP is compared with softmax regression before either has learned much, and each rung cost a worker
 * start-up (seconds, more than the folds' training: bench/automl/RESULTS.md) until trials reused warm workers.
 */
const CROSS_VALIDATED_RUNGS = { ...EPOCH_RUNGS, minResource: 3 };
/**
 * A cross-validated trial trains its folds from scratch at every rung, so a cosine schedule would decay to zero within
 * each rung: at the 3-epoch rung that left a wide MLP on digits at 95.8% instead of 97.3% (3-fold CV), level with
 * softmax regression, where ASHA prunes it. Decaying over the last rung's epochs instead, the early rungs train at
 * nearly the base rate and the 27-epoch rung, like the winner's 27-epoch retraining, decays fully: bench/automl/RESULTS.md.
 */
const CROSS_VALIDATED_COSINE = { type: 'cosine', epochs: CROSS_VALIDATED_RUNGS.maxResource } as const;

/**
 * Tables this small are ranked by k-fold cross-validation (TrialRequest.folds) instead of one 20% validation split:
 * on a few hundred rows, the split's few dozen rows decided between near-equal trials by one or two rows
 * (bench/automl/RESULTS.md). The folds run in one worker, so they add training time, not worker start-ups.
 */
const CROSS_VALIDATION = { maxSamples: 3000, folds: (samples: number) => (samples < 500 ? 5 : 3) };

/** The trainer options a trial's request carries besides its sampled `training` config: a cross-validated cosine decays over the last rung. */
export function trialTrainerFor(training: Record<string, unknown>, folds: number | undefined): { trainer?: { lrSchedule: typeof CROSS_VALIDATED_COSINE } } {
  return folds && training.lrSchedule === 'cosine' ? { trainer: { lrSchedule: CROSS_VALIDATED_COSINE } } : {};
}

/**
 * The winner of a cross-validated search: the best cross-validated accuracy at any rung, the deeper rung on a tie.
 * The search's own leaderboard ranks any result of a deeper rung first (Hyperband), but here a rung trains its folds
 * from scratch, so on a loaded machine the deadline stops a slower family before the last rung: on digits at load 12–14
 * the wide MLP stood at 97.4% after its rungs 3 and 9 while softmax regression had finished 27 epochs at 96.5%, and the
 * 27-epoch linear model shipped (bench/automl/RESULTS.md). A lower rung's accuracy understates what more epochs give,
 * so beating a deeper rung from there is the stronger evidence; the winner then retrains for the time left (`cutShort`).
 */
export function bestCrossValidated(leaderboard: readonly LeaderboardEntry[]): LeaderboardEntry | undefined {
  return [...leaderboard].sort((a, b) => b.value - a.value || b.resource - a.resource || a.trialNumber - b.trialNumber)[0];
}

/** Folds for a trial on `samples` search samples of `kind` data; undefined: one validation split. */
export function foldsFor(kind: LoadedDataset['kind'], samples: number): number | undefined {
  return kind === 'tabular' && samples <= CROSS_VALIDATION.maxSamples ? CROSS_VALIDATION.folds(samples) : undefined;
}

/**
 * Classify: search → winner retrained on train+validation → float32 + int8 TFLite with metadata → held-out test
 * report. Anomaly: see anomaly-pipeline.ts. Every kind of LoadedDataset (image, tabular, audio, motion, text).
 */
export async function trainPipeline(dataset: LoadedDataset, options: TrainPipelineOptions): Promise<{ files: ModelFiles; report: TrainReport }> {
  const task = options.task ?? 'classify';
  // An anomaly test set may bring labels (known anomalies) the normal-only training data lacks.
  if (options.testData && (options.testData.kind !== dataset.kind || options.testData.shape.join() !== dataset.shape.join() || (task === 'classify' && options.testData.labels.join() !== dataset.labels.join()))) {
    throw new TrainingFailure('DATA_UNUSABLE', `The test set must have the same kind of data${task === 'classify' ? ', labels' : ''} and sample shape as the training data.`);
  }
  if (task === 'anomaly') return trainAnomalyPipeline(dataset, options);
  if (task !== 'classify') throw new Error(`Unknown task "${String(task)}": use "classify" or "anomaly".`);
  if (dataset.labels.length < 2) throw new TrainingFailure('DATA_UNUSABLE', `Classification needs at least two labels (found ${dataset.labels.join(', ') || 'none'}); for data of one "normal" label use task "anomaly".`);
  // Warm workers for this search's trials and its retraining, one per trial at a time, and a thread that quantizes and
  // tests models off the caller's event loop; all let go when it ends (the server and `offgrid train` then hold no
  // idle threads between jobs).
  const pool = options.executor ? undefined : new TrialPool({ maxIdle: options.concurrency });
  const finisher = new ModelFinisher();
  try {
    return await classify(dataset, { ...options, executor: options.executor ?? pool }, finisher);
  } finally {
    await Promise.all([pool?.close(), finisher.close()]);
  }
}

async function classify(dataset: LoadedDataset, options: TrainPipelineOptions, finisher: ModelFinisher): Promise<{ files: ModelFiles; report: TrainReport }> {
  const kind = dataset.kind;
  const started = Date.now();
  const deadline = started + options.budgetSeconds * 1000;
  const emit = options.onEvent ?? (() => {});
  const accelerator = options.accelerator?.backend ?? 'wasm';
  const executor = new WasmFallbackTrials(options.executor ?? localTrials, accelerator, (fallback) => emit({ type: 'acceleratorFallback', fallback }));
  const random = createRandom(options.seed);
  const testData = options.testData ?? dataset;
  const { trainIndices, testIndices } = options.testData
    ? { trainIndices: [...dataset.targets.keys()], testIndices: [...options.testData.targets.keys()] }
    : holdOutTest(dataset, random);
  const objective = options.objective ?? 'float32';
  const sampleLimit = options.searchSampleLimit ?? SEARCH_SAMPLE_LIMIT;
  const large = trainIndices.length > sampleLimit;
  const searchIndices = large ? subsample(dataset, trainIndices, sampleLimit / trainIndices.length, random) : trainIndices;
  // Each family's view of the samples (motion: raw windows or spectral features), computed once.
  const views = new Map<string, ModelView>();
  const viewFor = (family: string) => (family === TRANSFER_FAMILY && transferPass ? transferPass.view : views.get(family) ?? views.set(family, modelView(dataset, family)).get(family)!);
  const textSpec = dataset.preprocessing?.text;
  // Word ids, then the hashed n-gram ids (features' textIdCount): the embedding's rows.
  const vocabularySize = textSpec ? textIdCount(textSpec.vocabulary.length, textSpec.charNgrams) : undefined;
  const folds = foldsFor(kind, searchIndices.length);
  const searchShare = large ? SEARCH_SHARE.large : SEARCH_SHARE.small;
  // The embedding pass runs before the search, on both cores, and its time (and a transfer winner's packaging
  // reserve) comes out of the search's share.
  const { pass: transferPass, summary: transferSummaryOfPass, searchSeconds } = options.transfer
    ? await planTransfer(dataset, options.transfer, options, { trainIndices, testIndices, searchShare, emit })
    : { pass: undefined, summary: undefined, searchSeconds: options.budgetSeconds * searchShare };
  let transferSummary = transferSummaryOfPass;
  const families = { transfer: transferPass !== undefined };
  /** Epochs each trial has reported: a cross-validated trial has no checkpoint and trains its folds again from epoch 1 at every rung. */
  const reportedEpochs = new Map<number, number>();

  /** Best validation accuracy of each trial's stored model in this run (the model itself is on disk). */
  const keptAccuracy = new Map<number, number>();
  /** How many validation samples each trial of this run was measured on (what the report's accuracy rests on). */
  const validationCounts = new Map<number, number>();
  const trialModelPath = (trialNumber: number) => join(options.workDir, 'models', `trial-${trialNumber}.tflite`);
  const checkpointPathOf = (trialNumber: number) => join(options.workDir, 'checkpoints', `trial-${trialNumber}.ckpt`);
  await mkdir(options.workDir, { recursive: true });
  const storage = new SqliteTrialStorage(join(options.workDir, 'search.db'));
  const studyName = `${options.name}-seed${options.seed}`;
  let search;
  try {
    const previous = await storage.listTrials(studyName);
    if (previous.length > 0) emit({ type: 'resumed', trials: previous.map((trial) => trialSummary(trial)) });
    emit({ type: 'phase', phase: 'searching', detail: `${dataset.kind} data, ${searchIndices.length} samples, ${options.concurrency} trial(s) at a time` });
    search = await runSearch({
      studyName,
      space: searchSpaceFor(kind, families),
      sampler: warmStartSampler(defaultConfigsFor(kind, families), tpeSampler({ seed: options.seed, startupTrials: 6 })),
      scheduler: asha(folds ? CROSS_VALIDATED_RUNGS : EPOCH_RUNGS),
      metric: 'valAccuracy',
      direction: 'maximize',
      constraints: limitConstraints(options.limits),
      budgetSeconds: Math.max(1, searchSeconds),
      concurrency: options.concurrency,
      storage,
      signal: options.signal,
      onEvent: (event) => emit({ type: 'search', event }),
      objective: async (config, epochs, ctx) => {
        const { family, familyConfig, training } = splitConfig(config);
        const checkpointPath = checkpointPathOf(ctx.trialNumber);
        const checkpoint = ctx.checkpoint ? await readCheckpoint(ctx.checkpoint.ref) : undefined;
        // Checkpoint writes queue up while the worker trains. A failed write is reported by `await saving` below (the
        // no-op catch only keeps it from counting as unhandled meanwhile), and a trial that ends early (deadline,
        // cancel) still waits for its queued writes: none may reach the trial storage after the search closed it.
        let saving = Promise.resolve();
        const result = await executor.train(
          {
            family, config: familyConfig, training, data: subset(viewFor(family), dataset, searchIndices), labels: dataset.labels, vocabularySize,
            epochs, seed: options.seed, checkpoint, budgetSeconds: Math.max(1, (ctx.deadline - Date.now()) / 1000), accelerator, ...(folds ? { folds } : {}),
            ...trialTrainerFor(training, folds),
          },
          {
            signal: ctx.signal,
            onProgress: (progress) => emit({ type: 'trialProgress', trialNumber: ctx.trialNumber, family, progress }),
            onCheckpoint: (next) => {
              saving = saving.then(() => writeCheckpoint(checkpointPath, next)).then(() => ctx.saveCheckpoint(checkpointPath, next.epoch));
              saving.catch(() => undefined);
            },
          },
          `trial ${ctx.trialNumber}`,
        ).finally(() => saving.catch(() => undefined));
        await saving;
        if (folds && ctx.rung > 0 && result.history.length < epochs) {
          // The deadline (the trial's budget) stopped a cross-validated rung short: each fold had an equal share of the
          // time left, so the later folds trained less than the first and the out-of-fold accuracy describes no model
          // (measured on digits: 66–72% for a trial that had 97% a rung before, which then outranked it). A trial with
          // an earlier rung ends interrupted at the deadline and keeps that rung's result; a first rung cut short is
          // still recorded (the search's only result may be one, on a tiny budget).
          if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
          throw new Error(`cross-validated rung of ${epochs} epochs cut short at ${result.history.length} by the deadline`);
        }
        const reported = Math.max(checkpoint?.epoch ?? 0, reportedEpochs.get(ctx.trialNumber) ?? 0);
        for (const epoch of result.history) {
          if (epoch.epoch > reported) await ctx.report(epoch.epoch, { valAccuracy: epoch.valAccuracy ?? 0, valLoss: epoch.valLoss ?? 0 });
        }
        reportedEpochs.set(ctx.trialNumber, Math.max(reported, result.history.length));
        const valAccuracyFloat32 = result.metrics.validation?.accuracy ?? result.history.at(-1)?.valAccuracy ?? 0;
        validationCounts.set(ctx.trialNumber, result.validationIndices.length);
        const measured = await measureTrialModel(result.tflite, finisher, {
          dataset, view: viewFor(family), searchIndices, validationIndices: result.validationIndices, name: options.name,
          objective, limits: options.limits, seed: options.seed + ctx.trialNumber,
        });
        const valAccuracy = objective === 'int8' ? measured.valAccuracyInt8 ?? valAccuracyFloat32 : valAccuracyFloat32;
        const kept = keptAccuracy.get(ctx.trialNumber);
        if (kept === undefined || kept <= valAccuracy) {
          await writeTrialModel(trialModelPath(ctx.trialNumber), result.tflite);
          keptAccuracy.set(ctx.trialNumber, valAccuracy);
        }
        const { valAccuracyInt8, ...sizes } = measured;
        return {
          valAccuracy, valAccuracyFloat32, ...(valAccuracyInt8 !== undefined ? { valAccuracyInt8 } : {}), ...sizes,
          parameters: result.metrics.parameters, seconds: result.metrics.seconds, modelSizeKb: result.tflite.byteLength / 1024,
          // Training seconds of one epoch over the trial's training samples (one fold's share when cross-validated),
          // without the worker's start-up and export: what the retraining's time estimate scales.
          epochSeconds: result.history.reduce((sum, e) => sum + e.seconds, 0) / Math.max(1, result.history.length) / (folds ?? 1),
        };
      },
    });
  } finally {
    storage.close();
  }
  // An aborted search returns what it has; the caller asked to stop, so no winner is retrained or packaged.
  options.signal?.throwIfAborted();
  const best = folds ? bestCrossValidated(search.leaderboard) : search.best;
  if (!best) {
    const infeasible = search.trials.filter((t) => t.status === 'infeasible');
    if (infeasible.length > 0) throw new TrainingFailure('LIMITS_UNMET', `No model met the limits: ${infeasible.length} trial(s) exceeded them (${infeasible[0].error}). Relax the limits or give a larger budget.`);
    throw new TrainingFailure('BUDGET_TOO_SMALL', `No trial finished within the budget of ${options.budgetSeconds} s. Give it a larger budget.`);
  }
  const winner = splitConfig(best.config);
  // A transfer head won: it ships after its backbone, whose packaging (calibration and test on images) takes its time.
  const transferWinner = winner.family === TRANSFER_FAMILY ? transferPass : undefined;
  if (winner.family === TRANSFER_FAMILY && !transferWinner) throw new Error('A transfer-head trial of an earlier run won, but this run has no embeddings: run it with the same transfer options, or in a fresh work folder.');
  const winnerTrial = search.trials.find((t) => t.number === best.trialNumber)!;
  let epochs = Math.max(1, best.resource);

  // Retrain on train+validation when the time left covers it (the first epoch always runs, so it must fit);
  // else ship the trial's own model (stored on disk, so also when it finished before a crash). A subsampled
  // search retrains for as many epochs as the budget allows.
  let float32 = await readTrialModel(trialModelPath(best.trialNumber));
  const winnerView = viewFor(winner.family);
  // Training samples per epoch in the trial: 80% of the search samples, or (k − 1)/k of them when cross-validated.
  const trialTrainShare = folds ? (folds - 1) / folds : 0.8;
  const trialEpochSeconds = best.metrics.epochSeconds !== undefined ? Number(best.metrics.epochSeconds) : Number(best.metrics.seconds ?? Infinity) / epochs;
  const secondsPerEpoch = trialEpochSeconds * (trainIndices.length / (searchIndices.length * trialTrainShare));
  // Kept for quantizing and the test report: 5 s for large sets, down to ~1 s for a small table (measured: 0.1 s for 150 rows).
  const secondsLeft = (deadline - Date.now()) / 1000 - Math.min(5, 1 + (trainIndices.length + testIndices.length) / 1000)
    - (transferWinner ? transferPackagingSeconds(transferWinner, trainIndices.length, testIndices.length) : 0);
  let retrained = false;
  // A cross-validated winner that the deadline stopped before the last rung has not shown where its validation curve
  // turns: its epoch count is where the search ran out of time, not an optimum (on a loaded machine: 1 epoch). It
  // retrains for as many epochs as the time left allows (the trainer's budget-driven mode, at most 50).
  const cutShort = folds !== undefined && best.resource < EPOCH_RUNGS.maxResource;
  // Without a stored model (a search folder from an older version) retraining is the only way to a model.
  if (secondsLeft > secondsPerEpoch * 1.3 + 5 || !float32) {
    // A subsampled search's winner continues from its trial's weights: the epochs it trained on the sample are
    // worth keeping when the time left covers only a few epochs over everything.
    const initialWeights = large ? await readCheckpoint(checkpointPathOf(best.trialNumber)).then((c) => c.bytes, () => undefined) : undefined;
    // The search is over, so its cores are free: large sets retrain on two (each computes half of every batch; wasm only).
    const cores = executor.backend === 'wasm' && options.concurrency >= 2 && trainIndices.length >= DATA_PARALLEL_MIN_SAMPLES ? 2 : 1;
    emit({ type: 'phase', phase: 'retraining', detail: `${winner.family} on all ${trainIndices.length} training samples${initialWeights ? ', from the trial\'s weights' : ''}${cores === 2 ? ', on two cores' : ''}` });
    const result = await executor.train(
      {
        family: winner.family, config: winner.familyConfig, training: winner.training, trainer: { validationSplit: 0 }, data: subset(winnerView, dataset, trainIndices),
        labels: dataset.labels, vocabularySize, epochs: large || cutShort ? undefined : epochs, seed: options.seed, budgetSeconds: Math.max(1, secondsLeft), initialWeights,
        cores, accelerator,
      },
      { signal: options.signal, onProgress: (progress) => emit({ type: 'trialProgress', trialNumber: -1, family: winner.family, progress }) },
      'the winner\'s retraining',
    );
    // A retraining from scratch that the deadline cut below the trial's own epochs (seen on a loaded machine: 1 epoch
    // against the trial's 3) is worse than the trial's model, which ships instead when there is one.
    if (large || !float32 || result.epochs >= epochs) {
      float32 = result.tflite;
      epochs = result.epochs;
      retrained = true;
    }
  }

  options.signal?.throwIfAborted();
  let files: ModelFiles;
  // The test samples as the shipped model takes them: its view of the data (table rows raw: the file standardizes
  // inside), or a transfer winner's backbone input.
  let testSamples: { x: Float32Array; targets: ArrayLike<number>; indices: number[] };
  const inputType = kind === 'text' ? 'int32' : 'float32';
  const shipped = transferWinner ? transferDataset(dataset, transferWinner) : dataset;
  const inputShape = transferWinner ? shipped.shape : winnerView.shape;
  if (transferWinner) {
    emit({ type: 'phase', phase: 'quantizing', detail: `${transferWinner.info.name} + the head as one model; int8 calibrated through LiteRT.js on ${Math.min(TRANSFER_CALIBRATION, trainIndices.length)} training images` });
    const packaging = Date.now();
    const transfer = options.transfer!;
    const calibrationImages = await Promise.all(transferCalibrationIndices(trainIndices, options.seed).map((index) => transfer.readImage(index)));
    files = await finisher.packageTransfer({
      head: float32, backbone: transferWinner.info.name, dataDir: transfer.dataDir ?? '', spec: transferWinner.spec,
      dataset: shipped, embeddingShape: transferWinner.view.shape, calibrationImages, name: options.name,
    });
    transferSummary = { ...transferSummary!, packagingSeconds: (Date.now() - packaging) / 1000 };
    emit({ type: 'phase', phase: 'evaluating', detail: `${testIndices.length} held-out images through LiteRT.js` });
    const read = options.testData ? transfer.readTestImage! : transfer.readImage;
    const x = await finisher.backboneInputs(await Promise.all(testIndices.map((index) => read(index))), transferWinner.spec);
    testSamples = { x, targets: testIndices.map((i) => testData.targets[i]), indices: testIndices.map((_, i) => i) };
  } else {
    emit({ type: 'phase', phase: 'quantizing', detail: `int8, calibrated on ${Math.min(CALIBRATION_SAMPLES, trainIndices.length)} training samples` });
    files = await finisher.package(float32, dataset, calibrationSamples(winnerView.x, dataset.targets.length, trainIndices, random), options.name, winnerView.features);
    emit({ type: 'phase', phase: 'evaluating', detail: `${testIndices.length} held-out samples through LiteRT.js` });
    const testView = options.testData ? modelView(testData, winner.family) : winnerView;
    testSamples = { x: fileInputs(testView.x, dataset), targets: testData.targets, indices: testIndices };
  }
  const test = await finisher.evaluate(files, { x: testSamples.x, targets: Int32Array.from(testSamples.targets), labels: dataset.labels }, testSamples.indices);
  files.probes = encodeProbes(testSamples.x, testSamples.targets.length, testSamples.indices, inputShape, inputType);
  files.holdout = encodeHoldout(testSamples.x, testSamples.targets, testSamples.indices, inputShape, inputType);
  // The shipped table model standardizes inside: a caller applies nothing (see packageModel).
  const tableScaling = dataset.featureNames && identityScaling(dataset.featureNames.length);

  const report: TrainReport = {
    createdAt: new Date().toISOString(),
    task: 'classify',
    input: {
      source: options.source, kind, shape: inputShape, dtype: kind === 'text' ? 'int32' : 'float32',
      preprocessing: inputPreprocessing(shipped, winnerView.features, tableScaling),
      ...(shipped.imageNormalization ? { normalization: shipped.imageNormalization } : {}),
      ...(dataset.featureNames ? { featureNames: dataset.featureNames, featureScaling: tableScaling } : {}),
    },
    labels: dataset.labels,
    // validation: the winner's own validation set when this run trained it (a resumed run may not have), else the 80/20 estimate.
    split: {
      train: Math.round(trainIndices.length * trialTrainShare),
      validation: folds ? searchIndices.length : validationCounts.get(best.trialNumber) ?? trainIndices.length - Math.round(trainIndices.length * 0.8),
      test: testIndices.length, searchSamples: searchIndices.length, seed: options.seed, ...(folds ? { folds } : {}),
      grouping: groupingOf(dataset),
    },
    budgetSeconds: options.budgetSeconds,
    elapsedSeconds: (Date.now() - started) / 1000,
    winner: { trialNumber: best.trialNumber, family: winner.family, config: { ...best.config }, epochs, retrained, macs: countMacs(parseModel(files.float32)) },
    search: { objective, ...(options.limits ? { limits: options.limits } : {}) },
    ...(transferSummary ? { transfer: transferSummary } : {}),
    accelerator: { backend: accelerator, reason: options.accelerator?.reason ?? 'wasm (the default)', ...(executor.fallback ? { fallback: executor.fallback } : {}) },
    metrics: {
      validation: { accuracy: best.value },
      test: { float32: summary(test.float32, dataset.labels), int8: summary(test.int8, dataset.labels) },
      int8AgreementWithFloat32: test.agreement,
    },
    sizes: { float32Bytes: files.float32.byteLength, int8Bytes: files.int8.byteLength, int8Ratio: files.int8.byteLength / files.float32.byteLength },
    trials: search.trials.map((trial) => trialSummary(trial, winnerTrial.number)),
  };
  return { files, report };
}

/**
 * The test split: 15% stratified by label, and with `dataset.groups` whole recordings on one side (windows of one
 * recording overlap, so a recording split across train and test would flatter the test accuracy).
 */
export function holdOutTest(dataset: { targets: ArrayLike<number>; groups?: ArrayLike<number> }, random: Random, fraction = TEST_FRACTION): { trainIndices: number[]; testIndices: number[] } {
  const { trainIndices, validationIndices } = groupedStratifiedSplit(Array.from(dataset.targets), dataset.groups, fraction, random);
  return { trainIndices, testIndices: validationIndices };
}

/** A stratified share of `indices` (whole recordings where the data has groups): the search's sample of a large dataset. */
function subsample(dataset: LoadedDataset, indices: number[], fraction: number, random: Random): number[] {
  const groups = dataset.groups && indices.map((i) => dataset.groups![i]);
  return groupedStratifiedSplit(indices.map((i) => dataset.targets[i]), groups, fraction, random).validationIndices.map((i) => indices[i]);
}

/** The samples at `indices` of a view, with their targets and recordings (so trials split validation by recording). */
export function subset(view: Pick<ModelView, 'x' | 'shape'>, dataset: Pick<LoadedDataset, 'targets' | 'groups'>, indices: number[]): { x: Float32Array; shape: number[]; targets: number[]; groups?: number[] } {
  const size = view.x.length / dataset.targets.length;
  const x = new Float32Array(indices.length * size);
  indices.forEach((index, i) => x.set(view.x.subarray(index * size, (index + 1) * size), i * size));
  return { x, shape: view.shape, targets: indices.map((i) => dataset.targets[i]), ...(dataset.groups ? { groups: indices.map((i) => dataset.groups![i]) } : {}) };
}


export function summary(report: { accuracy: number; macroF1: number; perClass: { precision: number; recall: number }[]; confusion: number[][] }, labels: string[]): EvaluationSummary {
  return {
    accuracy: report.accuracy, macroF1: report.macroF1, confusion: report.confusion,
    perClass: report.perClass.map((c, i) => ({ label: labels[i], precision: c.precision, recall: c.recall })),
  };
}

/** A stored trial as the report lists it; `winner` marks the shipped one. */
export function trialSummary(trial: StoredTrial, winner?: number): TrialSummary {
  const last = trial.rungResults.at(-1);
  return {
    number: trial.number,
    family: String(trial.config.family),
    config: { ...trial.config },
    status: trial.number === winner ? `${trial.status} (winner)` : trial.status,
    valAccuracy: last ? Number(last.metrics.valAccuracy) : undefined,
    ...(last?.metrics.macs !== undefined ? { macs: Number(last.metrics.macs) } : {}),
    ...(last?.metrics.int8SizeKb !== undefined ? { int8SizeKb: Number(last.metrics.int8SizeKb) } : {}),
    ...(trial.error ? { error: trial.error } : {}),
    startedAt: new Date(trial.startedAt).toISOString(),
    seconds: (trial.updatedAt - trial.startedAt) / 1000,
    history: trial.epochs.map((e) => ({ epoch: e.step, valAccuracy: Number(e.metrics.valAccuracy), valLoss: Number(e.metrics.valLoss) })),
  };
}
