import type { OffgridClient, Outbox } from '@offgrid/sdk';
import type { BatteryMonitor } from './battery.ts';
import type { Reachability } from './reachability.ts';
import type { Route } from './routes.ts';

/** Long-lived services the shell starts once a key exists. */
export interface AppServices {
  client: OffgridClient;
  /** Every capture goes here first (IndexedDB), then to the server. */
  outbox: Outbox;
  reachability: Reachability;
  battery: BatteryMonitor;
}

/** What every screen gets from the shell. */
export interface AppContext extends AppServices {
  navigate(route: Route, options?: { replace?: boolean }): void;
}

/** A mounted screen or panel; called when it is left (stop the camera, abort requests). */
export type Dispose = () => void;
