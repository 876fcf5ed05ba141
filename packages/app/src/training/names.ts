// Words a user reads for the search's identifiers (model families, trial statuses, job phases).
import type { JobPhase } from '@offgrid/sdk';

const FAMILY_NAMES: Record<string, string> = { 'small-cnn': 'Small CNN', mobilenet: 'MobileNet', mlp: 'MLP', linear: 'Linear' };

export function familyName(family: string): string {
  return FAMILY_NAMES[family] ?? family;
}

const TRIAL_STATUS: Record<string, string> = {
  running: 'training',
  completed: 'done',
  pruned: 'stopped early',
  infeasible: 'too big',
  failed: 'failed',
  interrupted: 'interrupted',
};

export function trialStatusText(status: string): string {
  return TRIAL_STATUS[status] ?? status;
}

export const PHASE_TEXT: Record<JobPhase, string> = {
  preparing: 'Preparing the data',
  searching: 'Searching',
  retraining: 'Retraining the winner',
  quantizing: 'Quantizing to int8',
  evaluating: 'Testing both files',
  done: 'Done',
};

/** 75 → "1:15". */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}
