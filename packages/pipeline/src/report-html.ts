import type { EvaluationSummary, TrainReport, TrialSummary } from './report.ts';

const escape = (text: unknown) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const percent = (value: number | undefined) => (value === undefined ? '—' : `${(value * 100).toFixed(1)}%`);
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** A self-contained page (inline CSS and SVG, no scripts) that opens offline. */
export function renderReportHtml(report: TrainReport): string {
  const ranked = [...report.trials].sort((a, b) => (b.valAccuracy ?? -1) - (a.valAccuracy ?? -1));
  const { float32, int8 } = report.metrics.test;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Offgrid training report</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:24px;color:#1b2a22}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #dde5df;padding-bottom:4px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eef2ef}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#5d6d63}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #dde5df;border-radius:8px;padding:10px 14px;min-width:150px}.card b{display:block;font-size:22px}
code{font-size:12px;background:#f3f6f4;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}svg text{font:11px system-ui,sans-serif}
</style></head><body>
<h1>Training report</h1>
<p class="muted">${escape(report.input.source)} · ${report.labels.length} labels · ${report.split.train + report.split.validation + report.split.test} samples · ${escape(report.createdAt)}</p>
<div class="cards">
  <div class="card">Test accuracy, int8<b>${percent(int8.accuracy)}</b></div>
  <div class="card">Test accuracy, float32<b>${percent(float32.accuracy)}</b></div>
  <div class="card">int8 agrees with float32<b>${percent(report.metrics.int8AgreementWithFloat32)}</b></div>
  <div class="card">Model size, int8<b>${kib(report.sizes.int8Bytes)}</b><span class="muted">${(report.sizes.int8Ratio * 100).toFixed(0)}% of float32 (${kib(report.sizes.float32Bytes)})</span></div>
</div>
<h2>Winner</h2>
<p>Trial ${report.winner.trialNumber}: <b>${escape(report.winner.family)}</b>, ${report.winner.epochs} epochs, ${report.winner.retrained ? 'retrained on train+validation' : 'as trained in the search (too little budget left to retrain)'}. <code>${escape(JSON.stringify(report.winner.config))}</code></p>
<p class="muted">Search: ${report.trials.length} trials in ${report.elapsedSeconds.toFixed(0)} s of a ${report.budgetSeconds.toFixed(0)} s budget. Split: ${report.split.train} train / ${report.split.validation} validation / ${report.split.test} test (seed ${report.split.seed}).</p>
<h2>Leaderboard</h2>
${leaderboard(ranked)}
<h2>Learning curves (validation accuracy per epoch)</h2>
${learningCurves(ranked.slice(0, 8))}
<h2>Confusion matrix (test set, int8)</h2>
${confusionMatrix(int8, report.labels)}
<h2>Per class (test set, int8)</h2>
${perClass(int8, float32)}
</body></html>
`;
}

function leaderboard(trials: TrialSummary[]): string {
  const rows = trials.map((t, rank) => `<tr><td class="num">${rank + 1}</td><td class="num">${t.number}</td><td>${escape(t.family)}</td><td>${escape(t.status)}</td>
<td class="num">${percent(t.valAccuracy)}</td><td class="num">${t.history.length}</td><td class="num">${t.seconds?.toFixed(1) ?? '—'}</td><td><code>${escape(JSON.stringify(t.config))}</code></td></tr>`);
  return `<table><tr><th class="num">#</th><th class="num">trial</th><th>family</th><th>status</th><th class="num">val acc.</th><th class="num">epochs</th><th class="num">s</th><th>config</th></tr>${rows.join('')}</table>`;
}

const PALETTE = ['#1b7f4b', '#2d6cdf', '#d9822b', '#a23cb4', '#c23b3b', '#1a9aa0', '#7a8b2a', '#6b5b4b'];

function learningCurves(trials: TrialSummary[]): string {
  const width = 640, height = 240, pad = 36;
  const maxEpoch = Math.max(1, ...trials.flatMap((t) => t.history.map((h) => h.epoch)));
  const x = (epoch: number) => pad + ((epoch - 1) / Math.max(1, maxEpoch - 1)) * (width - 2 * pad);
  const y = (accuracy: number) => height - pad + -accuracy * (height - 2 * pad);
  const lines = trials.map((t, i) => {
    const points = t.history.filter((h) => h.valAccuracy !== undefined).map((h) => `${x(h.epoch).toFixed(1)},${y(h.valAccuracy!).toFixed(1)}`);
    return points.length ? `<polyline fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2" points="${points.join(' ')}"><title>trial ${t.number}</title></polyline>` : '';
  });
  const grid = [0, 0.25, 0.5, 0.75, 1].map((a) => `<line x1="${pad}" x2="${width - pad}" y1="${y(a)}" y2="${y(a)}" stroke="#e3e9e5"/><text x="4" y="${y(a) + 4}">${a * 100}%</text>`);
  const legend = trials.map((t, i) => `<text x="${width - pad + 4}" y="${pad + i * 14}" fill="${PALETTE[i % PALETTE.length]}">#${t.number}</text>`);
  return `<svg width="${width + 40}" height="${height}" role="img" aria-label="validation accuracy per epoch">${grid.join('')}${lines.join('')}${legend.join('')}
<text x="${width / 2}" y="${height - 6}">epoch (1–${maxEpoch})</text></svg>`;
}

function confusionMatrix(summary: EvaluationSummary, labels: string[]): string {
  const cell = Math.max(22, Math.min(48, Math.floor(480 / labels.length)));
  const left = 110, top = 20;
  const max = Math.max(1, ...summary.confusion.flat());
  const cells = summary.confusion.flatMap((row, actual) => row.map((count, predicted) => {
    const shade = Math.round(255 - (count / max) * 200);
    const fill = actual === predicted ? `rgb(${shade},${Math.min(255, shade + 40)},${shade})` : `rgb(255,${shade},${shade})`;
    return `<rect x="${left + predicted * cell}" y="${top + actual * cell}" width="${cell}" height="${cell}" fill="${count ? fill : '#fafbfa'}" stroke="#fff"><title>${escape(labels[actual])} → ${escape(labels[predicted])}: ${count}</title></rect>
${count && cell >= 28 ? `<text x="${left + predicted * cell + cell / 2}" y="${top + actual * cell + cell / 2 + 4}" text-anchor="middle">${count}</text>` : ''}`;
  }));
  const rowLabels = labels.map((label, i) => `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${escape(label.slice(0, 16))}</text>`);
  const size = labels.length * cell;
  return `<svg width="${left + size + 20}" height="${top + size + 40}" role="img" aria-label="confusion matrix">${cells.join('')}${rowLabels.join('')}
<text x="${left + size / 2}" y="${top + size + 24}" text-anchor="middle">predicted →  (rows: actual)</text></svg>`;
}

function perClass(int8: EvaluationSummary, float32: EvaluationSummary): string {
  const rows = int8.perClass.map((c, i) => `<tr><td>${escape(c.label)}</td><td class="num">${percent(c.precision)}</td><td class="num">${percent(c.recall)}</td><td class="num">${percent(float32.perClass[i]?.recall)}</td></tr>`);
  return `<table><tr><th>label</th><th class="num">precision</th><th class="num">recall</th><th class="num">recall, float32</th></tr>${rows.join('')}</table>
<p class="muted">Macro-F1: int8 ${percent(int8.macroF1)}, float32 ${percent(float32.macroF1)}.</p>`;
}
