import type { NewSample, OffgridClient, Outbox } from '@offgrid/sdk';
import type { BatteryMonitor } from './battery.ts';
import type { Reachability } from './reachability.ts';
import type { Route } from './routes.ts';

/**
 * Where a screen puts captures and sample edits: the shell's outbox (IndexedDB, then the server), or for a
 * privacy-mode project the phone-only store (device/phone-only-outbox.ts), which never uploads.
 */
export type SampleQueue = Pick<Outbox, 'addEdit' | 'gzip' | 'subscribe' | 'snapshot' | 'list' | 'retryFailed' | 'discardFailed'> & {
  add(sample: NewSample): Promise<unknown>;
};

/** Long-lived services the shell starts once a key exists. */
export interface AppServices {
  client: OffgridClient;
  /** Every capture goes here first (IndexedDB), then to the server (privacy projects: stays on the phone). */
  outbox: SampleQueue;
  reachability: Reachability;
  battery: BatteryMonitor;
}

/** What every screen gets from the shell. */
export interface AppContext extends AppServices {
  navigate(route: Route, options?: { replace?: boolean }): void;
}

/** A mounted screen or panel; called when it is left (stop the camera, abort requests). */
export type Dispose = () => void;
