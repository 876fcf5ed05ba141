import type { EpochReport, StoredTrial, StudyRecord, StudySpec, TrialRecord, TrialStorage } from './trial-storage.ts';

/** Keeps studies in this process: for tests, and for searches that need no resume. */
export class MemoryTrialStorage implements TrialStorage {
  private readonly studies = new Map<string, { record: StudyRecord; trials: Map<number, StoredTrial> }>();

  async openStudy(spec: StudySpec): Promise<StudyRecord> {
    const existing = this.studies.get(spec.name);
    if (existing) return existing.record;
    const record = { ...spec, createdAt: Date.now() };
    this.studies.set(spec.name, { record, trials: new Map() });
    return record;
  }

  async saveTrial(study: string, trial: TrialRecord): Promise<void> {
    const trials = this.trialsOf(study);
    const epochs = trials.get(trial.number)?.epochs ?? [];
    trials.set(trial.number, structuredClone({ ...trial, epochs }));
  }

  async appendEpoch(study: string, trialNumber: number, report: EpochReport): Promise<void> {
    const trial = this.trialsOf(study).get(trialNumber);
    if (!trial) throw new Error(`Trial ${trialNumber} of study "${study}" does not exist; save it before reporting epochs.`);
    const epochs = trial.epochs.filter((e) => e.step !== report.step).concat(structuredClone(report));
    epochs.sort((a, b) => a.step - b.step);
    this.trialsOf(study).set(trialNumber, { ...trial, epochs });
  }

  async listTrials(study: string): Promise<StoredTrial[]> {
    return [...this.trialsOf(study).values()].sort((a, b) => a.number - b.number).map((t) => structuredClone(t));
  }

  async markRunningInterrupted(study: string): Promise<number> {
    let count = 0;
    const trials = this.trialsOf(study);
    for (const [number, trial] of trials) {
      if (trial.status !== 'running') continue;
      trials.set(number, { ...trial, status: 'interrupted', updatedAt: Date.now() });
      count++;
    }
    return count;
  }

  private trialsOf(study: string): Map<number, StoredTrial> {
    const entry = this.studies.get(study);
    if (!entry) throw new Error(`Study "${study}" does not exist; call openStudy first.`);
    return entry.trials;
  }
}
