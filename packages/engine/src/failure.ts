/**
 * Why a training run failed, as a stable code a client switches on (the server's `Job.failure.code`, the CLI's
 * exit line); the message is for people and says the fix. Codes cross worker threads (the `code` of the error a
 * worker posts) and the wire, so the list only grows.
 */
export const TRAINING_FAILURES = {
  NOT_ENOUGH_DATA: 'Some label (or the normal data of an anomaly detector) has too few samples to train and test on.',
  DATA_UNUSABLE: 'The data does not fit the task: one label only, no normal label, a test set of another shape.',
  BUDGET_TOO_SMALL: 'No trial finished within the time budget.',
  LIMITS_UNMET: 'No model met the size or MAC limits.',
  OUT_OF_MEMORY: 'A training thread ran out of memory.',
  FAILED: 'Anything else: a bug or an unexpected error (the server log has the stack).',
} as const;

export type TrainingFailureCode = keyof typeof TRAINING_FAILURES;
export const TRAINING_FAILURE_CODES = Object.keys(TRAINING_FAILURES) as TrainingFailureCode[];

export class TrainingFailure extends Error {
  override readonly name = 'TrainingFailure';
  constructor(readonly code: TrainingFailureCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The code of any error a run ends with: a TrainingFailure's own (also from a worker), memory, else FAILED. */
export function trainingFailureCode(error: unknown): TrainingFailureCode {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (TRAINING_FAILURE_CODES as string[]).includes(code)) return code as TrainingFailureCode;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory/i.test(String(message ?? ''))) return 'OUT_OF_MEMORY';
  return 'FAILED';
}
