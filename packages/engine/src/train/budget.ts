/**
 * Epoch planning under a time budget.
 *
 * Before anything is measured, the plan assumes the small CNN's measured throughput (README:
 * ~600 images/s for 32x32x3 at batch 32 on one wasm thread), scaled by the image size; after each
 * epoch the measured epoch time replaces the guess.
 */
export const ASSUMED_IMAGES_PER_SECOND_32X32 = 500;
export const MAX_DEFAULT_EPOCHS = 50;
export const MIN_DEFAULT_EPOCHS = 1;
/** Training stops mid-epoch once this multiple of the budget has passed: the budget is strict. */
export const HARD_STOP_FACTOR = 1.25;

export function assumedEpochSeconds(trainCount: number, validationCount: number, pixelsPerImage: number): number {
  const scale = pixelsPerImage / (32 * 32 * 3);
  // Validation is inference only: roughly a tenth of the cost of a training image.
  return ((trainCount + validationCount / 10) * scale) / ASSUMED_IMAGES_PER_SECOND_32X32;
}

/** Default epoch count: as many as fit in the budget, within [MIN_DEFAULT_EPOCHS, MAX_DEFAULT_EPOCHS]. */
export function defaultEpochs(budgetSeconds: number, epochSeconds: number): number {
  const fitting = Math.floor(budgetSeconds / Math.max(epochSeconds, 1e-3));
  return Math.min(MAX_DEFAULT_EPOCHS, Math.max(MIN_DEFAULT_EPOCHS, fitting));
}

/**
 * Whether to start another epoch: not if it would end after the budget (judged on the mean of
 * the epochs so far; one epoch always runs).
 */
export function shouldStartEpoch(elapsedSeconds: number, meanEpochSeconds: number, budgetSeconds: number, epochsDone: number): boolean {
  if (epochsDone === 0) return true;
  return elapsedSeconds + meanEpochSeconds <= budgetSeconds;
}

/** What is left of a budget goes to part of a last epoch when at least this share of an epoch fits. */
export const MIN_LAST_EPOCH_SHARE = 0.2;
/** Keeps a partial epoch inside the budget although its end-of-epoch work (validation) was timed with whole epochs. */
const PARTIAL_EPOCH_MARGIN = 0.95;

/** Batches of a last, partial epoch that fit in `secondsLeft`; 0 when less than MIN_LAST_EPOCH_SHARE of an epoch fits. */
export function lastEpochBatches(secondsLeft: number, meanEpochSeconds: number, batchesPerEpoch: number): number {
  if (!(meanEpochSeconds > 0)) return 0;
  const share = (secondsLeft / meanEpochSeconds) * PARTIAL_EPOCH_MARGIN;
  return share >= MIN_LAST_EPOCH_SHARE ? Math.min(batchesPerEpoch, Math.floor(share * batchesPerEpoch)) : 0;
}

/** Epochs to plan once one is measured: the whole ones that fit, and a last partial one when enough of it fits. */
export function plannedEpochsWithin(budgetSeconds: number, epochSeconds: number): number {
  const fitting = (budgetSeconds / Math.max(epochSeconds, 1e-3)) * PARTIAL_EPOCH_MARGIN;
  const whole = Math.floor(fitting);
  return Math.min(MAX_DEFAULT_EPOCHS, Math.max(MIN_DEFAULT_EPOCHS, whole + (fitting - whole >= MIN_LAST_EPOCH_SHARE ? 1 : 0)));
}
