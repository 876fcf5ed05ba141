// The phone's own choice for one saved version: every variant × accelerator it measured (latency on a blank
// input, agreement with float32 on the model's probe samples), which one runs and why, and a way to pick another.
import { h } from '../dom.ts';
import type { StoredModel } from '../device/model-store.ts';
import type { Accelerator } from '../device/predictor.ts';
import type { PhoneVariant, VariantMeasurement } from '../device/variant-choice.ts';

export type VariantPick = { variant: PhoneVariant; accelerator: Accelerator };

export function variantView(saved: StoredModel, busy: boolean, onPick: (pick: VariantPick) => void): HTMLElement {
  const choice = saved.choice;
  if (!choice) {
    return h('p', { class: 'muted note-small', testid: 'variant-choice' }, `On this phone: ${saved.variant} (saved before this app measured variants; download it again to measure).`);
  }
  const runs = (m: VariantMeasurement) => m.variant === saved.variant && m.accelerator === choice.accelerator;
  const rows = choice.measurements.map((m) => h(
    'tr',
    { testid: 'variant-measurement', 'data-variant': m.variant, 'data-accelerator': m.accelerator, 'data-latency-ms': m.latencyMs ?? '', 'data-agreeing': m.agreeing ?? '', 'data-probes': m.probes ?? '', class: runs(m) ? 'chosen' : undefined },
    h('td', {}, m.variant),
    h('td', {}, m.accelerator),
    h('td', { class: 'number' }, m.latencyMs === undefined ? '—' : `${m.latencyMs.toFixed(2)} ms`),
    h('td', { class: 'number' }, m.probes ? `${m.agreeing}/${m.probes}` : m.error ? '' : '—'),
    h('td', { title: runs(m) ? 'runs on this phone' : undefined }, runs(m) ? '✓' : m.error ? `failed: ${m.error}` : ''),
  ));
  const usable = choice.measurements.filter((m) => m.latencyMs !== undefined && !runs(m));
  const select = h('select', { testid: 'variant-select', 'aria-label': 'Run another variant on this phone', disabled: busy || usable.length === 0 || undefined },
    ...usable.map((m) => h('option', { value: `${m.variant}/${m.accelerator}` }, `${m.variant} on ${m.accelerator}`)));
  const use = h('button', { type: 'button', class: 'secondary', testid: 'variant-use-button', disabled: busy || usable.length === 0 || undefined }, 'Use instead');
  use.addEventListener('click', () => {
    const [variant, accelerator] = select.value.split('/') as [PhoneVariant, Accelerator];
    onPick({ variant, accelerator });
  });
  return h(
    'div',
    { class: 'variant-choice', testid: 'variant-choice', 'data-variant': saved.variant, 'data-accelerator': choice.accelerator, 'data-how': choice.how },
    h('p', { class: 'note-small' }, h('strong', {}, `Runs here: ${saved.variant} on ${choice.accelerator}`), ` — ${choice.how === 'user' ? 'your choice' : choice.reason}.`),
    h('table', { class: 'variant-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'file'), h('th', {}, 'on'), h('th', {}, 'latency'), h('th', { title: 'Probe samples (held out from training) with the same answer as float32' }, 'agrees'), h('th', {}, ''))),
      h('tbody', {}, ...rows)),
    usable.length > 0 ? h('div', { class: 'model-row-actions' }, select, use) : null,
  );
}
