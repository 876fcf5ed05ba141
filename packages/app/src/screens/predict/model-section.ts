// The Predict tab's model section: which version runs, why (server's choice or the phone's), on which accelerator,
// and the "Load the server's model" button. A view only: the panel tells it what happened.
import type { ModelVersion } from '@offgrid/sdk';
import type { StoredModel } from '../../device/model-store.ts';
import type { Accelerator, Predictor } from '../../device/predictor.ts';
import { h } from '../../dom.ts';
import { anomalyMetrics } from '../../modalities/model-fields.ts';
import { accuracyOf } from '../../training/sample-counts.ts';
import type { ModelSource } from './model-loader.ts';

const ACCELERATOR_DETAIL: Record<Accelerator, string> = { webnn: '(WebNN: the phone’s NPU or GPU)', webgpu: '(WebGPU: the GPU)', wasm: '(CPU, XNNPACK)' };

export class ModelSection {
  readonly loadButton = h('button', { type: 'button', class: 'secondary', testid: 'model-load-button' }, 'Load the server’s model');
  readonly elements: HTMLElement[];
  private readonly status = h('p', { class: 'status', testid: 'model-status', role: 'status' }, 'No model on this phone yet. Train one, then load it here.');
  private readonly source = h('p', { class: 'muted source', testid: 'model-source', hidden: true });
  private readonly accelerator = h('span', { testid: 'model-accelerator' }, '—');
  private readonly acceleratorDetail = h('span', {});
  private readonly acceleratorNote = h('p', { class: 'muted note-small', testid: 'model-accelerator-note', hidden: true }, 'Runs on ', this.accelerator, this.acceleratorDetail);

  constructor() {
    this.elements = [this.status, this.source, h('div', { class: 'actions model-actions' }, this.loadButton), this.acceleratorNote];
  }

  showStatus(text: string): void {
    this.status.textContent = text;
  }

  showLoaded(stored: StoredModel, predictor: Predictor, source: ModelSource): void {
    this.accelerator.textContent = predictor.accelerator;
    this.acceleratorDetail.textContent = ` ${ACCELERATOR_DETAIL[predictor.accelerator]}.${predictor.fallbacks.length > 0 ? ` Not used: ${predictor.fallbacks.join('; ')}.` : ''}`;
    this.acceleratorNote.hidden = false;
    const anomaly = anomalyMetrics(stored.model, stored.variant);
    const quality = anomaly ? `anomaly threshold ${anomaly.threshold.toPrecision(4)}` : `val accuracy ${accuracyOf(stored.model.metrics.valAccuracy, stored.model.metrics.valSamples)}`;
    const personal = predictor.personalized ? ', personalized on this phone' : '';
    this.status.textContent = `Model v${stored.model.version} ready (${stored.variant} on ${predictor.accelerator}${personal}) · ${quality}`;
    this.status.dataset.variant = stored.variant;
    this.status.dataset.personalized = String(predictor.personalized);
    this.status.dataset.modelId = stored.model.id;
    this.showSource(source, stored.model.version);
  }

  /** A newer model was trained than the one running. */
  showOffer(model: ModelVersion): void {
    this.status.textContent = model.active
      ? `New model v${model.version} trained and active on the server. Tap “Load the server’s model”.`
      : `New model v${model.version} trained; the server keeps another version pinned. Try v${model.version} from the Models tab.`;
  }

  private showSource(source: ModelSource, version: number): void {
    this.source.hidden = false;
    this.source.dataset.source = source.kind;
    this.source.textContent =
      source.kind === 'server'
        ? `v${version} is the version the server has active${source.pinned ? ' (pinned)' : ' (its newest result)'}.`
        : source.offline
          ? `Server offline: using v${version}, the version chosen on this phone.`
          : `Using v${version}, the version chosen on this phone (Models tab).`;
  }
}
