import type { AnomalyMetrics, EvaluationSummary, TrainReport, TrialSummary } from './report.ts';

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
<p class="muted">${escape(report.input.source)} · ${report.task === 'anomaly' ? 'anomaly detection' : `${report.input.kind} classification`} · ${report.labels.length} labels · ${report.split.train + report.split.validation + report.split.test} samples · ${escape(report.createdAt)}</p>
${report.metrics.anomaly ? anomalyCards(report.metrics.anomaly, report) : `<div class="cards">
  <div class="card">Test accuracy, int8<b>${percent(int8.accuracy)}</b></div>
  <div class="card">Test accuracy, float32<b>${percent(float32.accuracy)}</b></div>
  <div class="card">int8 agrees with float32<b>${percent(report.metrics.int8AgreementWithFloat32)}</b></div>
  <div class="card">Model size, int8<b>${kib(report.sizes.int8Bytes)}</b><span class="muted">${(report.sizes.int8Ratio * 100).toFixed(0)}% of float32 (${kib(report.sizes.float32Bytes)})</span></div>
</div>`}
<h2>Winner</h2>
<p>Trial ${report.winner.trialNumber}: <b>${escape(report.winner.family)}</b>, ${report.winner.epochs} epochs, ${report.task === 'anomaly' ? `trained on ${report.split.train} normal samples, threshold set on ${report.split.validation} more` : report.winner.retrained ? 'retrained on train+validation' : 'as trained in the search (too little budget left to retrain)'}. <code>${escape(JSON.stringify(report.winner.config))}</code></p>
<p class="muted">Search: ${report.trials.length} trials in ${report.elapsedSeconds.toFixed(0)} s of a ${report.budgetSeconds.toFixed(0)} s budget${searchGoals(report)}. Split: ${report.split.train} train / ${report.split.validation} validation / ${report.split.test} test (seed ${report.split.seed}).${groupingNote(report)}${acceleratorNote(report)}</p>
<h2>Leaderboard</h2>
${leaderboard(ranked)}
${report.metrics.anomaly ? `<h2>Anomaly scores (test set, int8)</h2>
${scoreHistogram(report.metrics.anomaly)}
<h2>Learning curve (held-out normal reconstruction loss per epoch)</h2>
${learningCurves(ranked, 'valLoss')}
<h2>Alarm decisions (test set, int8)</h2>
${confusionMatrix(int8, ['normal', 'anomaly'])}` : `<h2>Learning curves (validation accuracy per epoch)</h2>
${learningCurves(ranked.slice(0, 8), 'valAccuracy')}
<h2>Confusion matrix (test set, int8)</h2>
${confusionMatrix(int8, report.labels)}
<h2>Per class (test set, int8)</h2>
${perClass(int8, float32)}`}
</body></html>
`;
}

/** ", ranked by the int8 files' validation accuracy, int8 file ≤ 64 KiB, ≤ 5.00 M MACs per inference" (empty for a plain search). */
function searchGoals(report: TrainReport): string {
  const { objective, limits } = report.search ?? { objective: 'float32' };
  const parts = [
    ...(objective === 'int8' ? ['ranked by the int8 files\' validation accuracy'] : []),
    ...(limits?.maxInt8Kb !== undefined ? [`int8 file ≤ ${escape(limits.maxInt8Kb)} KiB`] : []),
    ...(limits?.maxMacs !== undefined ? [`≤ ${macsText(limits.maxMacs)} MACs per inference`] : []),
  ];
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}

// Escaped too: a report read back from an archive may hold anything where a number belongs.
const macsText = (macs: number | undefined) =>
  macs === undefined ? '—' : macs >= 1e6 ? `${(macs / 1e6).toFixed(2)} M` : macs >= 1e3 ? `${(macs / 1e3).toFixed(1)} k` : escape(macs);

function leaderboard(trials: TrialSummary[]): string {
  const rows = trials.map((t, rank) => `<tr><td class="num">${rank + 1}</td><td class="num">${t.number}</td><td>${escape(t.family)}</td><td>${escape(t.status)}${t.error ? `<br><span class="muted">${escape(t.error)}</span>` : ''}</td>
<td class="num">${percent(t.valAccuracy)}</td><td class="num">${t.history.length}</td><td class="num">${macsText(t.macs)}</td><td class="num">${t.seconds?.toFixed(1) ?? '—'}</td><td><code>${escape(JSON.stringify(t.config))}</code></td></tr>`);
  return `<table><tr><th class="num">#</th><th class="num">trial</th><th>family</th><th>status</th><th class="num">val acc.</th><th class="num">epochs</th><th class="num">MACs</th><th class="num">s</th><th>config</th></tr>${rows.join('')}</table>`;
}

const PALETTE = ['#1b7f4b', '#2d6cdf', '#d9822b', '#a23cb4', '#c23b3b', '#1a9aa0', '#7a8b2a', '#6b5b4b'];

function learningCurves(trials: TrialSummary[], metric: 'valAccuracy' | 'valLoss'): string {
  const width = 640, height = 240, pad = 36;
  const maxEpoch = Math.max(1, ...trials.flatMap((t) => t.history.map((h) => h.epoch)));
  // Accuracy on 0–100%; a loss on 0 to its largest value.
  const top = metric === 'valAccuracy' ? 1 : Math.max(1e-9, ...trials.flatMap((t) => t.history.map((h) => h[metric] ?? 0)));
  const x = (epoch: number) => pad + ((epoch - 1) / Math.max(1, maxEpoch - 1)) * (width - 2 * pad);
  const y = (value: number) => height - pad + -(value / top) * (height - 2 * pad);
  const lines = trials.map((t, i) => {
    const points = t.history.filter((h) => h[metric] !== undefined).map((h) => `${x(h.epoch).toFixed(1)},${y(h[metric]!).toFixed(1)}`);
    return points.length ? `<polyline fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2" points="${points.join(' ')}"><title>trial ${t.number}</title></polyline>` : '';
  });
  const tick = (share: number) => (metric === 'valAccuracy' ? `${share * 100}%` : (share * top).toPrecision(2));
  const grid = [0, 0.25, 0.5, 0.75, 1].map((a) => `<line x1="${pad}" x2="${width - pad}" y1="${y(a * top)}" y2="${y(a * top)}" stroke="#e3e9e5"/><text x="4" y="${y(a * top) + 4}">${tick(a)}</text>`);
  const legend = trials.map((t, i) => `<text x="${width - pad + 4}" y="${pad + i * 14}" fill="${PALETTE[i % PALETTE.length]}">#${t.number}</text>`);
  return `<svg width="${width + 40}" height="${height}" role="img" aria-label="${metric === 'valAccuracy' ? 'validation accuracy' : 'validation loss'} per epoch">${grid.join('')}${lines.join('')}${legend.join('')}
<text x="${width / 2}" y="${height - 6}">epoch (1–${maxEpoch})</text></svg>`;
}

function anomalyCards(anomaly: AnomalyMetrics, report: TrainReport): string {
  const known = anomaly.knownAnomalies;
  return `<div class="cards">
  <div class="card">False alarms, int8<b>${percent(anomaly.heldOutNormal.falseAlarmsInt8)}</b><span class="muted">of ${anomaly.heldOutNormal.samples} held-out normal samples; target ${percent(anomaly.falseAlarmRate)}</span></div>
  <div class="card">Known anomalies detected, int8<b>${known ? percent(known.detectedInt8) : '—'}</b><span class="muted">${known ? `of ${known.samples}; float32 ${percent(known.detectedFloat32)}` : 'no samples of other labels'}</span></div>
  <div class="card">AUROC, int8<b>${anomaly.auroc === undefined ? '—' : anomaly.auroc.toFixed(3)}</b></div>
  <div class="card">Model size, int8<b>${kib(report.sizes.int8Bytes)}</b><span class="muted">${(report.sizes.int8Ratio * 100).toFixed(0)}% of float32 (${kib(report.sizes.float32Bytes)})</span></div>
</div>
<p class="muted">Threshold: score &gt; ${anomaly.thresholdInt8.toPrecision(4)} (int8), &gt; ${anomaly.threshold.toPrecision(4)} (float32); false alarms float32 ${percent(anomaly.heldOutNormal.falseAlarmsFloat32)}.</p>`;
}

/** Normal (green) and known-anomaly (red) score counts per bin, with the int8 threshold as a dashed line. */
function scoreHistogram(anomaly: AnomalyMetrics): string {
  const { min, max, normal, knownAnomalies } = anomaly.scoreHistogram;
  const width = 640, height = 220, pad = 36;
  const bins = normal.length;
  const peak = Math.max(1, ...normal, ...knownAnomalies);
  const binWidth = (width - 2 * pad) / bins;
  const bar = (counts: number[], colour: string, offset: number) => counts.map((count, i) => count
    ? `<rect x="${(pad + i * binWidth + offset).toFixed(1)}" y="${(height - pad - (count / peak) * (height - 2 * pad)).toFixed(1)}" width="${(binWidth / 2).toFixed(1)}" height="${((count / peak) * (height - 2 * pad)).toFixed(1)}" fill="${colour}"><title>${count}</title></rect>`
    : '').join('');
  const thresholdX = pad + ((anomaly.thresholdInt8 - min) / Math.max(1e-12, max - min)) * (width - 2 * pad);
  return `<svg width="${width}" height="${height}" role="img" aria-label="anomaly score histogram">${bar(normal, '#1b7f4b', 0)}${bar(knownAnomalies, '#c23b3b', binWidth / 2)}
<line x1="${thresholdX.toFixed(1)}" x2="${thresholdX.toFixed(1)}" y1="${pad - 10}" y2="${height - pad}" stroke="#1b2a22" stroke-dasharray="4 3"/><text x="${(thresholdX + 4).toFixed(1)}" y="${pad - 2}">threshold</text>
<text x="${pad}" y="${height - 8}">${min.toPrecision(3)}</text><text x="${width - pad}" y="${height - 8}" text-anchor="end">≥ ${max.toPrecision(3)}</text>
<text x="${width / 2}" y="${height - 8}" text-anchor="middle"><tspan fill="#1b7f4b">■ normal</tspan>  <tspan fill="#c23b3b">■ known anomalies</tspan></text></svg>`;
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

/** What the splits kept together: honest test figures need a person's, session's or recording's samples on one side. */
function groupingNote(report: TrainReport): string {
  const grouping = report.split.grouping;
  if (!grouping) return '';
  if (grouping.by === 'pattern') return ` Each of ${grouping.groups} groups named by <code>${escape(grouping.pattern ?? '')}</code> stayed on one side.`;
  if (grouping.by === 'recording') return ` Each of ${grouping.groups} recordings stayed on one side.`;
  if (grouping.by === 'session') return ` Each of ${grouping.groups} capture sessions (a label's captures without a pause over ${grouping.gapSeconds} s) stayed on one side.`;
  return ' <b>No grouping known:</b> samples were split one by one, so samples of one person, session or recording may be on both sides and the test accuracy can flatter (offgrid train --group-by).';
}

/** What trained the models, and where WebGPU failed and wasm took over. */
function acceleratorNote({ accelerator }: TrainReport): string {
  if (!accelerator) return '';
  const { reason, fallback } = accelerator;
  const after = fallback ? ` WebGPU failed during ${fallback.during} at ${fallback.at} (${fallback.error}); that training${fallback.resumedFromEpoch ? ` resumed from its epoch ${fallback.resumedFromEpoch} checkpoint` : ' started over'} on wasm, and so did everything after it.` : '';
  return escape(` Trained on ${reason}.${after}`);
}
