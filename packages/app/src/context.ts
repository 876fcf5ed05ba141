import type { OffgridClient } from '@offgrid/sdk';
import type { Route } from './routes.ts';

/** What every screen gets from the shell. */
export interface AppContext {
  client: OffgridClient;
  navigate(route: Route, options?: { replace?: boolean }): void;
}

/** A mounted screen or panel; called when it is left (stop the camera, abort requests). */
export type Dispose = () => void;
