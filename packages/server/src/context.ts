import type { BlobStore } from './storage/blob-store.ts';
import type { Db } from './storage/database.ts';
import type { KeyStore } from './auth/keys.ts';
import type { JobRunner } from './jobs/job-runner.ts';
import type { JobStore } from './jobs/job-store.ts';
import type { ModelStore } from './models/model-store.ts';
import type { ProjectStore } from './projects/project-store.ts';
import type { SampleStore } from './samples/sample-store.ts';
import type { Thumbnails } from './samples/thumbnails.ts';
import type { Coordinator } from './cluster/coordinator.ts';
import type { FederatedRounds } from './federated/rounds.ts';
import type { RoundStore } from './federated/round-store.ts';
import type { AcceleratorChoice } from '@offgrid/engine/accelerator';

/** The shared infrastructure every domain plugin receives. */
export interface ServerContext {
  db: Db;
  blobs: BlobStore;
  keys: KeyStore;
  projects: ProjectStore;
  samples: SampleStore;
  jobStore: JobStore;
  jobs: JobRunner;
  models: ModelStore;
  thumbnails: Thumbnails;
  /** Federated rounds (docs/federated.md): their records, and the service that runs them. */
  federated: { store: RoundStore; rounds: FederatedRounds };
  /** Base URL the phone opens (pairing links point here). */
  publicUrl: string;
  /** Origins the served app is reached at (CORS answers only these, plus configured extras). */
  origins: string[];
  /** What this machine's trials train on, chosen at start-up (workers choose their own). */
  accelerator: AcceleratorChoice;
  /** With `--queue`: the BullMQ queue trials go through and the board of trials waiting for workers. */
  coordinator?: Coordinator;
}
