// A model version's training report on the phone: test accuracy of both files, the confusion matrix and per-class
// precision/recall (float32 or int8), the learning curves of every trial, and how the search went.
import type { ModelReport } from '@offgrid/sdk';
import { h, percent } from '../dom.ts';
import { formatBytes } from '../device/model-sync.ts';
import { accuracyOf, roughNote } from './sample-counts.ts';
import { confusionMatrixView } from './confusion-view.ts';
import { curvesFromReport } from './curves.ts';
import { LearningCurveChart } from './learning-curve-chart.ts';
import { familyName } from './names.ts';
import './training.css';

type Variant = 'float32' | 'int8';
const VARIANTS: readonly Variant[] = ['float32', 'int8'];

export function reportView(report: ModelReport): HTMLElement {
  const { test } = report.metrics;
  const variantButtons = VARIANTS.map((variant) => {
    const button = h('button', { type: 'button', role: 'radio', class: 'segment small', testid: `report-variant-${variant}` }, variant);
    button.addEventListener('click', () => showVariant(variant));
    return button;
  });
  const variantArea = h('div', { testid: 'report-variant-area' });
  const showVariant = (variant: Variant) => {
    variantButtons.forEach((button, i) => button.setAttribute('aria-checked', String(VARIANTS[i] === variant)));
    const metrics = test[variant];
    variantArea.dataset.variant = variant;
    variantArea.replaceChildren(
      h('p', { class: 'muted note-small' }, `Test set, ${variant}: ${accuracyOf(metrics.accuracy, report.split.test)} right, macro-F1 ${percent(metrics.macroF1)}. Rows: the real label; columns: what the model said.`),
      confusionMatrixView(report.labels, metrics.confusion),
      h(
        'table',
        { class: 'per-class', testid: 'report-per-class' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Label'), h('th', { scope: 'col', class: 'num' }, 'Precision'), h('th', { scope: 'col', class: 'num' }, 'Recall'))),
        h('tbody', {}, ...metrics.perClass.map((c) => h('tr', { testid: 'report-per-class-row', 'data-label': c.label }, h('th', { scope: 'row' }, c.label), h('td', { class: 'num' }, percent(c.precision)), h('td', { class: 'num' }, percent(c.recall))))),
      ),
      h('p', { class: 'muted note-small' }, 'Precision: of the times it said this label, how often it was right. Recall: of the real examples, how many it found.'),
    );
  };

  const chart = new LearningCurveChart('report-learning-curve');
  chart.draw(curvesFromReport(report), report.winner.trialNumber);
  const { split } = report;

  const element = h(
    'div',
    { class: 'report', testid: 'model-report', 'data-test-samples': split.test },
    h(
      'div',
      { class: 'report-cards' },
      card('Test accuracy, float32', accuracyOf(test.float32.accuracy, split.test), 'report-test-float32', 'as trained'),
      card('Test accuracy, int8', accuracyOf(test.int8.accuracy, split.test), 'report-test-int8', `agrees with float32 on ${percent(report.metrics.int8AgreementWithFloat32)}`),
      card('Size, float32', formatBytes(report.sizes.float32Bytes), 'report-size-float32'),
      card('Size, int8', formatBytes(report.sizes.int8Bytes), 'report-size-int8', `${Math.round(report.sizes.int8Ratio * 100)}% of float32`),
    ),
    ...[roughNote(split.test, 'The test accuracy')].filter(Boolean).map((note) => h('p', { class: 'note-small warning', testid: 'report-rough', role: 'note' }, note!)),
    h('h4', {}, 'Confusion matrix'),
    h('div', { class: 'segments two', role: 'radiogroup', 'aria-label': 'Which file' }, ...variantButtons),
    variantArea,
    h('h4', {}, 'Learning curves'),
    chart.element,
    h(
      'p',
      { class: 'muted note-small', testid: 'report-summary' },
      `Winner: trial ${report.winner.trialNumber} (${familyName(report.winner.family)}), ${report.winner.epochs} epochs` +
        `${report.winner.retrained ? ', retrained on training + validation data' : ''}. ` +
        `${report.trials.length} trials in ${Math.round(report.elapsedSeconds)} s of a ${Math.round(report.budgetSeconds)} s budget. ` +
        `Samples: ${split.train} train, ${split.validation} validation, ${split.test} test (never seen in training).`,
    ),
  );
  showVariant('float32');
  return element;
}

function card(title: string, value: string, testid: string, note?: string): HTMLElement {
  return h('div', { class: 'report-card' }, h('span', { class: 'muted' }, title), h('strong', { testid }, value), note ? h('span', { class: 'muted note-small' }, note) : null);
}
