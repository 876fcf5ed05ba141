/**
 * Trains on the non-image bench datasets that make-datasets.ts writes and prints a results table:
 *   node --import tsx bench/modalities/make-datasets.ts
 *   node --import tsx bench/modalities/train.ts [--data /tmp/offgrid-bench-data] [--budget 10m] [--only text,audio,motion] [--concurrency 2]
 *
 * Each modality: `trainPipeline` on `<data>/<modality>/train`, tested on `<data>/<modality>/test` loaded with the
 * training set's preprocessing (vocabulary, audio and motion normalization), so the test folders' sources (other
 * quotes, unseen voices, fresh motion seeds) are never seen in training. Work folders are fresh per run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';
import { trainPipeline } from '@offgrid/pipeline';

const MODALITIES = ['text', 'audio', 'motion'] as const;
const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '/tmp/offgrid-bench-data' },
    budget: { type: 'string', default: '600' },
    only: { type: 'string', default: MODALITIES.join(',') },
    concurrency: { type: 'string', default: '2' },
    seed: { type: 'string', default: '0' },
  },
});
const budgetSeconds = parseBudget(values.budget!);
const modalities = values.only!.split(',').map((m) => m.trim());
for (const m of modalities) if (!(MODALITIES as readonly string[]).includes(m)) throw new Error(`--only: unknown modality "${m}" (known: ${MODALITIES.join(', ')}).`);

function parseBudget(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(text);
  if (!match) throw new Error(`--budget must be seconds or minutes, like 90, 90s or 10m; got "${text}".`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

const rows: string[] = [];
const work = mkdtempSync(join(tmpdir(), 'offgrid-bench-modalities-'));
try {
  for (const modality of modalities) {
    const train = await loadDataset(join(values.data!, modality, 'train'), DEFAULT_IMAGE_SPEC);
    const test = await loadDataset(join(values.data!, modality, 'test'), DEFAULT_IMAGE_SPEC, undefined, train.preprocessing ?? {});
    console.error(`${modality}: ${train.targets.length} train / ${test.targets.length} test samples, ${train.labels.length} labels, shape [${train.shape}]; ${budgetSeconds} s budget`);
    const { report } = await trainPipeline(train, {
      budgetSeconds, seed: Number(values.seed), concurrency: Number(values.concurrency), workDir: join(work, modality), name: modality,
      source: join(values.data!, modality), testData: test,
    });
    const { float32, int8 } = report.metrics.test;
    const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
    const motion = report.input.preprocessing?.motion;
    const features = motion ? ` (${motion.features})` : '';
    rows.push(`| ${modality} | ${train.targets.length} / ${test.targets.length} | ${train.labels.length} | ${report.winner.family}${features} | ${report.trials.length} | ${pct(report.metrics.validation.accuracy)} | ${pct(float32.accuracy)} | ${pct(int8.accuracy)} | ${pct(int8.macroF1)} | ${(report.sizes.int8Bytes / 1024).toFixed(1)} | ${report.elapsedSeconds.toFixed(0)} |`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log([
  `Budget ${budgetSeconds} s per modality, concurrency ${values.concurrency}, seed ${values.seed}.`,
  '',
  '| modality | train / test samples | labels | winner | trials | val acc. | test acc. float32 | test acc. int8 | macro-F1 int8 | int8 KiB | s |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
].join('\n'));
