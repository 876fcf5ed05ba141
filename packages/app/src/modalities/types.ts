import type { PhoneVariant } from '../device/variant-choice.ts';
// The contract between the project screen and a modality's capture and predict modules (motion, tabular, audio,
// text, image): each modality mounts one of these into the tab's panel (modalities/registry.ts).
import type { ModelVersion } from '@offgrid/sdk';
import type { AppServices, Dispose } from '../context.ts';
import type { Predictor } from '../device/predictor.ts';
import type { ModalProject } from './project-fields.ts';

/** What a modality module gets: the shell's services (client, outbox, reachability, battery) and the camera. */
export interface ModalityContext extends AppServices {
  /** The project screen's shared camera preview; only image projects start the camera. */
  video: HTMLVideoElement;
}

/** Capture modules also get a way to count samples that reached the server without the outbox (CSV imports). */
export interface CaptureContext extends ModalityContext {
  addUploaded(label: string, count: number): void;
  /**
   * A label's counts (uploaded, queued, failed) to show inside the module's own controls (image: each capture
   * button). The capture panel lists the counts of the labels no module took.
   */
  takeCounts(label: string): HTMLElement;
}

/**
 * Capture: records samples and puts them in `context.outbox` (IndexedDB first, then uploaded). The outbox queue
 * and per-label counts are shown by the capture panel around it. Returns what stops sensors/microphone.
 */
export type MountCapture = (panel: HTMLElement, context: CaptureContext, project: ModalProject) => Dispose;

/** A model ready to run: the compiled predictor (input buffer allocated once) and its version's metadata. */
export interface LoadedModel {
  predictor: Predictor;
  model: ModelVersion;
  /** Which file runs: an anomaly model has a threshold per file. */
  variant: PhoneVariant;
}

/** Predict: the predict panel loads models (server's choice / phone's choice) and hands each one over. */
export interface PredictModule {
  /** A model was loaded (first one, or a replacement); the module keeps running with it. */
  setModel(loaded: LoadedModel): void;
  /** A model load started or ended: controls that need a model wait while it runs. */
  setLoading?(loading: boolean): void;
  /** Settings shown below the model section (image: the drift threshold). */
  readonly settings?: HTMLElement;
  /** The tab was left: stop live sensors/microphone/camera (the module may start them again on its own button). */
  hide(): void;
  dispose: Dispose;
}

export type MountPredict = (panel: HTMLElement, context: ModalityContext, project: ModalProject) => PredictModule;
