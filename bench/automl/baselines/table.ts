/**
 * The results table: sklearn's baselines and one or more offgrid runs (e.g. before/after a change), mean ± std
 * over the same folds:
 *   node --import tsx bench/automl/baselines/table.ts --splits /tmp/offgrid-baselines before after
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { splits: { type: 'string', default: '/tmp/offgrid-baselines' } } });
interface SklearnRow { dataset: string; fold: string; model: string; accuracy: number; cpuSeconds: number }
interface OffgridRow { dataset: string; fold: string; int8: number; float32: number; winner: string; trials: number }
const sklearn = JSON.parse(readFileSync(join(values.splits!, 'sklearn-results.json'), 'utf8')) as { results: SklearnRow[] };
const allRuns = positionals.map((tag) => ({ tag, ...(JSON.parse(readFileSync(join(values.splits!, `offgrid-${tag}.json`), 'utf8')) as { results: OffgridRow[]; loadAverage: { min: number; max: number } }) }));

const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, std };
};
const cell = (xs: number[]) => {
  if (xs.length === 0) return '–';
  const { mean, std } = stats(xs);
  return `${(mean * 100).toFixed(1)} ± ${(std * 100).toFixed(1)}`;
};

const datasets = [...new Set(sklearn.results.map((r) => r.dataset))];
const models = [...new Set(sklearn.results.map((r) => r.model))];
for (const kind of ['table', 'text'] as const) {
  const isText = (d: string) => sklearn.results.some((r) => r.dataset === d && r.model.includes('TF-IDF'));
  const rows = datasets.filter((d) => isText(d) === (kind === 'text'));
  const kindModels = models.filter((m) => rows.some((d) => sklearn.results.some((r) => r.dataset === d && r.model === m)));
  // Only the runs that trained on this kind of data (a run may cover tables or texts alone).
  const runs = allRuns.filter((run) => run.results.some((r) => rows.includes(r.dataset)));
  console.log(`\n| dataset | folds | ${kindModels.join(' | ')} | ${runs.map((r) => `offgrid int8 (${r.tag}) | float32 (${r.tag})`).join(' | ')} | winners (${runs.at(-1)?.tag ?? ''}) |`);
  console.log(`|---|---|${kindModels.map(() => '---|').join('')}${runs.map(() => '---|---|').join('')}---|`);
  for (const d of rows) {
    const folds = new Set(sklearn.results.filter((r) => r.dataset === d).map((r) => r.fold));
    const base = kindModels.map((m) => sklearn.results.filter((r) => r.dataset === d && r.model === m).map((r) => r.accuracy));
    const best = Math.max(...base.map((xs) => stats(xs).mean));
    const baseCells = base.map((xs) => (stats(xs).mean === best ? `**${cell(xs)}**` : cell(xs)));
    const ours = runs.map((run) => {
      const rs = run.results.filter((r) => r.dataset === d && folds.has(r.fold));
      return `${cell(rs.map((r) => r.int8))}${rs.length < folds.size ? ` (${rs.length} folds)` : ''} | ${cell(rs.map((r) => r.float32))}`;
    });
    const last = runs.at(-1)?.results.filter((r) => r.dataset === d) ?? [];
    const winners = Object.entries(last.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.winner]: (acc[r.winner] ?? 0) + 1 }), {})).map(([w, n]) => `${w} ×${n}`).join(', ');
    console.log(`| ${d} | ${folds.size} | ${baseCells.join(' | ')} | ${ours.join(' | ')} | ${winners} |`);
  }
}
const cpu = (d: string, m: string) => stats(sklearn.results.filter((r) => r.dataset === d && r.model === m).map((r) => r.cpuSeconds)).mean;
console.log(`\nsklearn CPU seconds per grid search (mean over folds): ${datasets.map((d) => `${d}: ${models.filter((m) => sklearn.results.some((r) => r.dataset === d && r.model === m)).map((m) => `${m} ${cpu(d, m).toFixed(1)}`).join(', ')}`).join('; ')}.`);
for (const run of allRuns) console.log(`offgrid ${run.tag}: load average ${run.loadAverage.min.toFixed(1)}–${run.loadAverage.max.toFixed(1)} while it ran.`);
