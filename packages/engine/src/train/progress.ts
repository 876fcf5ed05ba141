/** One progress report, shaped like the server's JobProgress (docs/api.md). */
export interface TrainProgress {
  phase: 'preparing' | 'training' | 'exporting' | 'done';
  /** 1-based epoch being trained. */
  epoch: number;
  /** Planned epochs; may shrink or grow while the time budget is learned. */
  epochs: number;
  loss?: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /** 0..1, never decreasing. */
  fraction: number;
  etaSeconds?: number;
}

/** Trainer reports also say whether they close an epoch, so consumers can throttle batch reports only. */
export interface TrainerProgress extends TrainProgress {
  event: 'batch' | 'epoch';
  /** Batches done in this epoch, and per epoch. */
  batch?: number;
  batches?: number;
  learningRate?: number;
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException(typeof reason === 'string' ? reason : 'Training was aborted.', 'AbortError');
}
