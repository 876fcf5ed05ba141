import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';
import { ACCELERATOR_REQUESTS, chooseAccelerator, type AcceleratorRequest } from '@offgrid/engine';
import { groupByPattern, loadDataset, type LoadedDataset } from '@offgrid/engine/data';
import { DEFAULT_BACKBONE, renderReportHtml, SearchProgressTracker, trainPipeline, type PipelineEvent, type TrainReport } from '@offgrid/pipeline';
import { dataDirOf } from './backbones-command.ts';
import { formatSeconds, LiveBlock, parseDuration, progressBar } from './terminal/progress-bar.ts';

const USAGE = `Usage: offgrid train <folder-of-label-folders | file.csv> --out <dir> [--budget 10m] [--seed 0] [--size N] [--concurrency 2] [--task classify|anomaly] [--false-alarm-rate 0.01] [--objective float32|int8] [--max-size 64kb] [--max-macs 5M] [--accelerator auto|webgpu|wasm] [--group-by <regex>] [--backbone <name>|none] [--data <dir>]`;

/** The command line, checked: each flag's value or a message that says what it takes. Undefined: print the usage. */
function parseTrainArgs(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      budget: { type: 'string', default: '10m' },
      seed: { type: 'string', default: '0' },
      size: { type: 'string' },
      concurrency: { type: 'string', default: '2' },
      task: { type: 'string', default: 'classify' },
      'false-alarm-rate': { type: 'string' },
      objective: { type: 'string', default: 'float32' },
      'max-size': { type: 'string' },
      'max-macs': { type: 'string' },
      accelerator: { type: 'string', default: 'auto' },
      'group-by': { type: 'string' },
      backbone: { type: 'string' },
      data: { type: 'string' },
    },
  });
  const [input] = positionals;
  if (!input || !values.out) return undefined;
  // Without --size, pictures smaller than the default keep their own size (28×28 stays 28×28).
  const size = Number(values.size ?? DEFAULT_IMAGE_SPEC.width);
  const seed = Number(values.seed);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(size) || size < 8 || size > 512) throw new Error(`--size must be an integer from 8 to 512 (pixels), got "${values.size}".`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}".`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got "${values.concurrency}".`);
  const task = values.task;
  if (task !== 'classify' && task !== 'anomaly') throw new Error(`--task must be "classify" or "anomaly", got "${task}".`);
  const falseAlarmRate = values['false-alarm-rate'] === undefined ? undefined : Number(values['false-alarm-rate']);
  if (falseAlarmRate !== undefined && task !== 'anomaly') throw new Error('--false-alarm-rate is for --task anomaly.');
  if (falseAlarmRate !== undefined && !(falseAlarmRate > 0 && falseAlarmRate < 0.5)) throw new Error(`--false-alarm-rate must be a number between 0 and 0.5, got "${values['false-alarm-rate']}".`);
  const objective = values.objective;
  if (objective !== 'float32' && objective !== 'int8') throw new Error(`--objective must be "float32" or "int8", got "${objective}".`);
  const limits = {
    ...(values['max-size'] === undefined ? {} : { maxInt8Kb: parseKilobytes(values['max-size']) }),
    ...(values['max-macs'] === undefined ? {} : { maxMacs: parseCount(values['max-macs']) }),
  };
  if (task === 'anomaly' && (objective !== 'float32' || Object.keys(limits).length > 0)) throw new Error('--objective, --max-size and --max-macs are for --task classify.');
  const accelerator = values.accelerator as AcceleratorRequest;
  if (!ACCELERATOR_REQUESTS.includes(accelerator)) throw new Error(`--accelerator must be one of ${ACCELERATOR_REQUESTS.join(', ')}, got "${values.accelerator}".`);
  const backbone = values.backbone ?? DEFAULT_BACKBONE;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(backbone)) throw new Error(`--backbone must name a backbone (\`offgrid backbones list\`) or be "none", got "${backbone}".`);
  return {
    input: resolve(input), out: resolve(values.out), budgetSeconds: parseDuration(values.budget), size, nativeSmallImages: values.size === undefined,
    seed, concurrency, task: task as 'classify' | 'anomaly', falseAlarmRate, objective: objective as 'float32' | 'int8', limits, accelerator, groupBy: values['group-by'], backbone, dataDir: dataDirOf(values.data),
  };
}
type TrainArgs = NonNullable<ReturnType<typeof parseTrainArgs>>;

/** The folder or CSV file as a dataset, with a progress bar while it loads and `--group-by` applied. */
async function loadTrainingData(args: TrainArgs, live: LiveBlock): Promise<LoadedDataset> {
  const dataset = await loadDataset(args.input, { ...DEFAULT_IMAGE_SPEC, width: args.size, height: args.size }, ({ done, total }) => {
    live.update([`Loading ${basename(args.input)} ${progressBar(done / total)} ${done}/${total}`]);
  }, {}, { minLabels: args.task === 'anomaly' ? 1 : 2, smallImagesNative: args.nativeSmallImages, decodedCache: decodedCacheDir() });
  live.log(`Loaded ${dataset.targets.length} samples, ${dataset.labels.length} labels (${dataset.labels.join(', ')}), sample shape [${dataset.shape}].`);
  for (const { source, reason } of dataset.skipped.slice(0, 10)) live.log(`  skipped ${source}: ${reason}`);
  if (dataset.skipped.length > 10) live.log(`  … and ${dataset.skipped.length - 10} more skipped`);
  if (args.groupBy !== undefined) {
    if (dataset.kind === 'tabular') throw new Error('--group-by groups the files of a folder dataset; a CSV file has no file paths to group.');
    const { groups, names } = groupByPattern(dataset, args.groupBy, args.input);
    Object.assign(dataset, { groups, groupedBy: { by: 'pattern', pattern: args.groupBy } });
    live.log(`Grouped by /${args.groupBy}/: ${names.length} groups (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}); each stays on one side of every split.`);
  }
  return dataset;
}

export async function trainCommand(argv: string[]): Promise<number> {
  const args = parseTrainArgs(argv);
  if (!args) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { out, budgetSeconds, task } = args;
  await mkdir(out, { recursive: true });
  // The self-test (a few seconds, in its own thread) runs while the data loads. Anomaly detectors train on wasm.
  const choosing = task === 'anomaly' ? Promise.resolve({ backend: 'wasm' as const, reason: 'wasm (anomaly detectors train on wasm)' }) : chooseAccelerator(args.accelerator);

  const live = new LiveBlock();
  const started = Date.now();
  const dataset = await loadTrainingData(args, live);
  const accelerator = await choosing;
  live.log(`Training on ${accelerator.reason}.`);

  const abort = new AbortController();
  process.once('SIGINT', () => {
    live.log('Stopping: the search is saved in the output folder; run the same command again to resume.');
    abort.abort();
  });
  const view = new TrainingView(live, budgetSeconds - (Date.now() - started) / 1000);
  const workDir = join(out, '.search');
  await mkdir(workDir, { recursive: true });
  const { files, report } = await trainPipeline(dataset, {
    budgetSeconds: budgetSeconds - (Date.now() - started) / 1000, seed: args.seed, concurrency: args.concurrency, workDir,
    name: basename(args.input).replace(/\.csv$/i, ''), source: args.input, signal: abort.signal, task,
    ...(args.falseAlarmRate === undefined ? {} : { falseAlarmRate: args.falseAlarmRate }),
    objective: args.objective, ...(Object.keys(args.limits).length > 0 ? { limits: args.limits } : {}), accelerator,
    // Image folders: the transfer family competes when embedding the files fits the budget; embeddings are kept
    // with the platform's caches, so a second run over the same pictures starts searching at once.
    ...(dataset.kind === 'image' && args.backbone !== 'none' ? {
      transfer: {
        backbone: args.backbone, dataDir: args.dataDir, cacheDir: join(cacheRoot(), 'embeddings'),
        readImage: (index: number) => readFile(dataset.sources[index]),
      },
    } : {}),
    onEvent: (event) => view.handle(event),
  }).finally(() => view.stop());

  await writeFile(join(out, 'model.tflite'), files.int8);
  await writeFile(join(out, 'model_float32.tflite'), files.float32);
  await writeFile(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(out, 'report.html'), renderReportHtml(report));
  live.log([
    '',
    ...resultLines(report),
    `Size: int8 ${(report.sizes.int8Bytes / 1024).toFixed(1)} KiB = ${(report.sizes.int8Ratio * 100).toFixed(0)}% of float32.`,
    `Wrote ${join(out, 'model.tflite')} (int8), model_float32.tflite, report.json, report.html in ${formatSeconds((Date.now() - started) / 1000)}.`,
  ].join('\n'));
  return 0;
}

/** What the terminal says about the model once it is written: the detector's alarms, or the winner and its test. */
function resultLines(report: TrainReport): string[] {
  const { test, anomaly } = report.metrics;
  const percent = (value: number) => `${(value * 100).toFixed(2)}%`;
  if (anomaly) {
    return [
      `Anomaly detector: ${report.winner.family}, ${report.winner.epochs} epochs; alarm when score > ${anomaly.thresholdInt8.toPrecision(4)} (int8) / ${anomaly.threshold.toPrecision(4)} (float32).`,
      `False alarms on ${anomaly.heldOutNormal.samples} held-out normal samples: int8 ${percent(anomaly.heldOutNormal.falseAlarmsInt8)}, float32 ${percent(anomaly.heldOutNormal.falseAlarmsFloat32)} (target ${percent(anomaly.falseAlarmRate)}).`,
      anomaly.knownAnomalies
        ? `Known anomalies detected: int8 ${percent(anomaly.knownAnomalies.detectedInt8)}, float32 ${percent(anomaly.knownAnomalies.detectedFloat32)} of ${anomaly.knownAnomalies.samples}; AUROC ${anomaly.auroc?.toFixed(3)}.`
        : 'No samples of other labels: add some (e.g. a "fault" folder) to measure detection.',
    ];
  }
  return [
    ...(report.transfer ? [report.transfer.offered
      ? `Transfer family (${report.transfer.backbone}) competed: ${report.transfer.samples} images embedded in ${report.transfer.seconds.toFixed(1)} s, ${report.transfer.cacheHits} from the cache.`
      : `Transfer family (${report.transfer.backbone}) not offered: ${report.transfer.reason}.`] : []),
    `Winner: trial ${report.winner.trialNumber} (${report.winner.family}${report.winner.family === 'transfer-head' ? ` after ${report.transfer?.backbone}, input ${report.input.shape.join('×')}` : ''}), ${report.winner.epochs} epochs${report.winner.retrained ? ', retrained on train+validation' : ''}.`,
    `Test accuracy: int8 ${percent(test.int8.accuracy)}, float32 ${percent(test.float32.accuracy)} (${report.split.test} held-out samples; int8 agrees with float32 on ${(report.metrics.int8AgreementWithFloat32 * 100).toFixed(1)}%).`,
  ];
}

/** Where the platform keeps caches. */
function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'offgrid');
}

/** Decoded pictures kept between runs (the newest three folders). */
function decodedCacheDir(): string {
  return join(cacheRoot(), 'decoded');
}

/** Progress bar for the budget, the trials running now, and the top of the leaderboard (from the pipeline's tracker). */
class TrainingView {
  private readonly running = new Map<number, string>();
  private readonly tracker: SearchProgressTracker;
  private detail = '';
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly live: LiveBlock, budgetSeconds: number) {
    this.tracker = new SearchProgressTracker(budgetSeconds, 5);
    this.timer = setInterval(() => this.draw(), 500);
  }

  handle(event: PipelineEvent): void {
    this.tracker.handle(event);
    if (event.type === 'phase') this.detail = event.detail;
    else if (event.type === 'trialProgress') {
      const p = event.progress;
      const metrics = [p.loss !== undefined ? `loss ${p.loss.toFixed(3)}` : '', p.valAccuracy !== undefined ? `val ${(p.valAccuracy * 100).toFixed(1)}%` : ''].filter(Boolean).join(' ');
      this.running.set(event.trialNumber, `${event.trialNumber < 0 ? 'final' : `#${event.trialNumber}`} ${event.family} epoch ${p.epoch}/${p.epochs} ${progressBar(p.fraction, 12)} ${metrics}`);
    } else if (event.type === 'search' && (event.event.type === 'trialFinished' || event.event.type === 'pruned')) {
      this.running.delete(event.event.trialNumber);
    } else if (event.type === 'acceleratorFallback') {
      this.live.log(`WebGPU failed during ${event.fallback.during} (${event.fallback.error}): training goes on on wasm.`);
    }
    this.draw();
  }

  private draw(): void {
    const progress = this.tracker.snapshot();
    const top = progress.leaderboard.filter((row) => row.valAccuracy !== undefined);
    this.live.update([
      `Training ${progressBar(progress.fraction)} ${formatSeconds(progress.etaSeconds)} left · ${progress.phase}${this.detail ? `: ${this.detail}` : ''}`,
      ...[...this.running.values()].map((line) => `  ${line}`),
      top.length ? `  leaderboard: ${top.map((row) => `#${row.trialNumber} ${(row.valAccuracy! * 100).toFixed(1)}%`).join('  ')} · ${progress.trialsFinished} finished` : '  leaderboard: (no trial finished yet)',
    ]);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** "64kb", "1.5mb", "300" (KiB) → KiB. */
export function parseKilobytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(kb|kib|k|mb|mib|m)?$/i.exec(text.trim());
  if (!match || Number(match[1]) <= 0) throw new Error(`--max-size "${text}" is not a size; write e.g. 64kb or 1.5mb.`);
  return Number(match[1]) * (/^m/i.test(match[2] ?? '') ? 1024 : 1);
}

/** "5M", "250k", "1200000" → a count. */
export function parseCount(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg])?$/i.exec(text.trim());
  if (!match || Number(match[1]) <= 0) throw new Error(`--max-macs "${text}" is not a count; write e.g. 250k or 5M.`);
  return Math.round(Number(match[1]) * ({ k: 1e3, m: 1e6, g: 1e9 }[(match[2] ?? '').toLowerCase()] ?? 1));
}
