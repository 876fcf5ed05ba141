// App shell: pairing, background services (outbox, reachability, battery, offline cache), hash-routed screens.
import './styles.css';
import { Outbox } from '@offgrid/sdk';
import type { OutboxSnapshot } from '@offgrid/sdk';
import type { AppContext, AppServices, Dispose } from './context.ts';
import { errorMessage, h } from './dom.ts';
import { describeApiError } from './api-errors.ts';
import { BatteryMonitor } from './battery.ts';
import type { BatteryState } from './battery.ts';
import { setupOffline } from './offline.ts';
import type { OfflineState } from './offline.ts';
import { exclusiveAcrossTabs, indexedDbOutboxStore } from './outbox-store.ts';
import { pairFromUrl } from './pairing.ts';
import { Reachability } from './reachability.ts';
import type { ReachabilityState } from './reachability.ts';
import { parseRoute, routeHash } from './routes.ts';
import { renderProjectScreen } from './screens/project-screen.ts';
import { renderProjectsScreen } from './screens/projects-screen.ts';
import { createClient, loadApiKey } from './session.ts';

/**
 * Gzip sample uploads (`Content-Encoding: gzip`; the server inflates them and checks the capture's sha256).
 * Decided at run time by the outbox: if the server refuses compressed bodies, it sends them as they are for the
 * rest of the session. JPEGs shrink only a little (headers and tables), so this is cheap either way.
 */
const GZIP_UPLOADS = true;

const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;
const pairingStatus = byTestId('pairing-status');
const reachabilityChip = byTestId('reachability');
const outboxChip = byTestId('header-outbox');
const offlineChip = byTestId('offline-status');
const batteryChip = byTestId('battery-status');
const screen = document.getElementById('screen')!;

function setPairingStatus(content: string | Node[], tone: 'ok' | 'warn' | '' = ''): void {
  pairingStatus.replaceChildren(...(typeof content === 'string' ? [content] : content));
  pairingStatus.dataset.tone = tone;
}

function showUnpaired(): void {
  setPairingStatus([document.createTextNode('Open the pairing link shown by '), h('code', {}, 'offgrid serve')], 'warn');
  screen.replaceChildren(
    h(
      'div',
      { class: 'card', testid: 'unpaired' },
      h('h1', {}, 'Pair this phone'),
      h('p', {}, 'Scan the QR code in the terminal running ', h('code', {}, 'offgrid serve'), ', or type the link it prints.'),
      h('p', { class: 'muted' }, 'A pairing link works once, for 10 minutes. After that this phone keeps its own key.'),
    ),
  );
}

function showUnpairedAfterFailure(error: unknown): void {
  showUnpaired();
  setPairingStatus(`Pairing failed: ${errorMessage(error)}`, 'warn');
}

const REACHABILITY_TEXT: Record<ReachabilityState, string> = { checking: 'Checking server…', online: 'Server online', offline: 'Server offline' };

function showReachability(state: ReachabilityState): void {
  reachabilityChip.hidden = false;
  reachabilityChip.dataset.state = state;
  reachabilityChip.textContent = REACHABILITY_TEXT[state];
  reachabilityChip.title = state === 'offline' ? 'Captures wait on this phone and upload when the server is back; prediction works offline.' : '';
}

function showOutbox(snapshot: OutboxSnapshot): void {
  const parts = [];
  if (snapshot.pending > 0) parts.push(`${snapshot.pending} to upload`);
  if (snapshot.failed > 0) parts.push(`${snapshot.failed} failed`);
  if (parts.length > 0 && snapshot.pausedBy.length > 0) parts.push('paused');
  outboxChip.hidden = parts.length === 0;
  outboxChip.textContent = parts.length === 0 ? '' : `↑ ${parts.join(' · ')}`;
  outboxChip.dataset.pending = String(snapshot.pending);
  outboxChip.dataset.failed = String(snapshot.failed);
}

function showOffline(state: OfflineState, detail?: string): void {
  offlineChip.hidden = state === 'unsupported';
  offlineChip.dataset.state = state;
  offlineChip.textContent = state === 'ready' ? 'Works offline' : state === 'preparing' ? 'Saving app for offline…' : 'Offline use unavailable';
  offlineChip.title = detail ?? '';
}

function showBattery(state: BatteryState): void {
  batteryChip.hidden = !state.low;
  batteryChip.textContent = state.low ? `Battery ${Math.round((state.level ?? 0) * 100)}%: uploads paused, live prediction slowed` : '';
}

function startServices(apiKey: string): AppServices {
  const client = createClient(apiKey);
  const reachability = new Reachability(client);
  const outbox = new Outbox({ uploader: client, store: indexedDbOutboxStore, gzip: GZIP_UPLOADS, exclusive: exclusiveAcrossTabs });
  const battery = new BatteryMonitor();

  outbox.subscribe((event) => {
    if (event.type === 'change') showOutbox(event.snapshot);
    if (event.type === 'uploaded') reachability.report(true);
  });
  reachability.subscribe((state, previous) => {
    showReachability(state);
    // The server is back: upload what waited, now rather than at the end of the backoff.
    if (state === 'online' && previous !== 'online') void outbox.flush({ force: true });
  });
  battery.subscribe((state) => {
    showBattery(state);
    if (state.low) outbox.pause('battery');
    else outbox.resume('battery');
  });
  showReachability(reachability.state);
  reachability.start();
  void battery.start();
  void outbox.start();
  return { client, outbox, reachability, battery };
}

function startRouter(services: AppServices): void {
  let dispose: Dispose = () => undefined;
  const render = () => {
    dispose();
    const route = parseRoute(location.hash);
    dispose =
      route.name === 'project'
        ? renderProjectScreen(screen, appContext, route.projectId, route.tab)
        : renderProjectsScreen(screen, appContext);
    window.scrollTo(0, 0);
  };
  const appContext: AppContext = {
    ...services,
    navigate(route, options) {
      const hash = routeHash(route);
      if (options?.replace) history.replaceState(history.state, '', hash);
      else history.pushState(history.state, '', hash);
      render();
    },
  };
  window.addEventListener('popstate', render);
  render();
}

async function boot(): Promise<void> {
  void setupOffline(showOffline);
  const outcome = await pairFromUrl();
  if (outcome.kind === 'paired') setPairingStatus('Paired', 'ok');
  if (outcome.kind === 'failed') setPairingStatus(`Pairing failed: ${errorMessage(outcome.error)}`, 'warn');
  const apiKey = outcome.kind === 'paired' ? outcome.apiKey : await loadApiKey();
  if (!apiKey) {
    if (outcome.kind === 'failed') showUnpairedAfterFailure(outcome.error);
    else showUnpaired();
    return;
  }
  if (outcome.kind === 'none') setPairingStatus('Paired', 'ok');
  startRouter(startServices(apiKey));
}

boot().catch((error: unknown) => setPairingStatus(`Offgrid could not start: ${describeApiError(error)}`, 'warn'));
