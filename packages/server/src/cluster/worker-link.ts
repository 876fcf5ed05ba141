import type { TrialProgress, TrialResult } from '@offgrid/engine';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Checkpoint, TrialBoard, WorkerInfo } from './trial-board.ts';

/**
 * What a worker needs from the coordinator while it runs a trial. Remote workers speak HTTPS with their worker
 * key (http-worker-link.ts); the coordinator's own cores reach the board directly. `false` from a report means
 * the trial is no longer wanted (the search pruned it or ran out of time): stop training it.
 */
export interface WorkerLink {
  /** The trial's input bytes, checked against their sha256. */
  input(sha256: string): Promise<Uint8Array>;
  checkpointOf(trialId: string): Promise<Checkpoint | undefined>;
  progress(trialId: string, progress: TrialProgress): Promise<boolean>;
  checkpoint(trialId: string, checkpoint: Checkpoint): Promise<boolean>;
  result(trialId: string, result: TrialResult): Promise<void>;
  failure(trialId: string, message: string): Promise<void>;
  /** Says this machine is alive and what it offers (listed by /ready); sent every WORKER_HEARTBEAT_MS. */
  heartbeat(info: Omit<WorkerInfo, 'lastHeartbeatAt'>): Promise<void>;
}

/** The coordinator's own worker: same job handling, no network. */
export function localLink(board: TrialBoard, blobs: BlobStore, worker: string): WorkerLink {
  return {
    input: async (sha256) => new Uint8Array(await blobs.get(sha256)),
    checkpointOf: async (trialId) => board.latestCheckpoint(trialId),
    progress: async (trialId, progress) => board.progress(trialId, progress, worker),
    checkpoint: async (trialId, checkpoint) => board.checkpoint(trialId, checkpoint),
    result: async (trialId, result) => { board.commit(trialId, result, worker); },
    failure: async (trialId, message) => { board.fail(trialId, message, worker); },
    heartbeat: async (info) => board.heartbeat(info),
  };
}
