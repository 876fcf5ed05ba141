// The outbox of a privacy-mode project (docs/federated.md): captures are encrypted into this phone's sample store
// (local-samples.ts) and nothing is ever queued for upload; there is no queue, so nothing is pending or failed.
// Edits of samples on the server make no sense here (it holds none) and are refused with the reason.
import type { NewSample, OutboxEvent, OutboxSnapshot } from '@offgrid/sdk';
import type { SampleQueue } from '../context.ts';
import { saveLocalSample, type LocalSampleInfo } from './local-samples.ts';

export const PRIVACY_NOTE = 'Samples stay on this phone: they are never uploaded. Only model updates and counts travel.';

export class PhoneOnlyOutbox implements SampleQueue {
  /** Nothing is uploaded, so nothing is compressed. */
  readonly gzip = false;

  constructor(private readonly projectId: string) {}

  add(sample: NewSample): Promise<LocalSampleInfo> {
    if (sample.projectId !== this.projectId) return Promise.reject(new Error(`This capture belongs to project ${sample.projectId}, not ${this.projectId}; nothing was saved.`));
    return saveLocalSample(sample);
  }

  addEdit(): Promise<never> {
    return Promise.reject(new Error('This project keeps its samples on the phones: the server holds none to edit.'));
  }

  subscribe(_listener: (event: OutboxEvent) => void): () => void {
    return () => undefined;
  }

  snapshot(): OutboxSnapshot {
    return { pending: 0, failed: 0, pendingEdits: 0, uploading: false, pausedBy: [], retryAt: undefined, lastError: undefined, pendingByLabel: {} };
  }

  list(): [] {
    return [];
  }

  async retryFailed(): Promise<void> {}

  async discardFailed(): Promise<void> {}
}
