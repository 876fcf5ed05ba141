// App shell: pairing, then hash-routed screens.
import './styles.css';
import type { AppContext, Dispose } from './context.ts';
import { errorMessage, h } from './dom.ts';
import { describeApiError } from './api-errors.ts';
import { pairFromUrl } from './pairing.ts';
import { parseRoute, routeHash } from './routes.ts';
import { renderProjectScreen } from './screens/project-screen.ts';
import { renderProjectsScreen } from './screens/projects-screen.ts';
import { createClient, loadApiKey } from './session.ts';

const pairingStatus = document.querySelector<HTMLElement>('[data-testid="pairing-status"]')!;
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

function startRouter(context: Omit<AppContext, 'navigate'>): void {
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
    ...context,
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
  startRouter({ client: createClient(apiKey) });
}

boot().catch((error: unknown) => setPairingStatus(`Offgrid could not start: ${describeApiError(error)}`, 'warn'));
