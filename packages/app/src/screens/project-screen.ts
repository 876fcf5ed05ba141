// One project: Capture / Train / Predict / Models tabs; image projects have the shared camera preview on top
// (other modalities capture from their own sensor, microphone, keyboard or file, inside the panels).
import type { Project } from '@offgrid/sdk';
import { OffgridApiError } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import { startCamera, stopCamera } from '../camera.ts';
import type { AppContext, AppServices, Dispose } from '../context.ts';
import { PhoneOnlyOutbox, PRIVACY_NOTE } from '../device/phone-only-outbox.ts';
import { errorMessage, h } from '../dom.ts';
import { modalProject } from '../modalities/project-fields.ts';
import type { ModalProject } from '../modalities/project-fields.ts';
import { cachedProject, rememberProject } from '../projects-cache.ts';
import { PROJECT_TABS, routeHash } from '../routes.ts';
import type { ProjectTab } from '../routes.ts';
import { mountCapturePanel } from './capture-panel.ts';
import { mountDataPanel } from './data-panel.ts';
import { mountModelsPanel } from './models-panel.ts';
import { mountPredictPanel, type PredictPanel } from './predict-panel.ts';
import { mountTrainPanel } from './train-panel.ts';
import { mountLearningCard } from './train/learning-card.ts';
import { mountRoundCard } from './train/round-card.ts';

const TAB_TITLES: Record<ProjectTab, string> = { capture: 'Capture', data: 'Data', train: 'Train', predict: 'Predict', models: 'Models' };

/** The project from the server, or (server unreachable) as this phone last saw it. */
async function loadProject(context: AppContext, projectId: string, signal: AbortSignal): Promise<{ project: Project; offline: boolean }> {
  try {
    const project = await context.client.getProject(projectId, { signal });
    void rememberProject(project);
    return { project, offline: false };
  } catch (error) {
    if (!(error instanceof OffgridApiError && error.status === 0)) throw error;
    context.reachability.report(false);
    const cached = await cachedProject(projectId);
    if (!cached) throw error;
    return { project: cached, offline: true };
  }
}

export function renderProjectScreen(root: HTMLElement, context: AppContext, projectId: string, initialTab: ProjectTab): Dispose {
  const controller = new AbortController();
  const disposers: Dispose[] = [() => controller.abort()];
  const back = h('button', { type: 'button', class: 'back', testid: 'back-button' }, '‹ Projects');
  back.addEventListener('click', () => context.navigate({ name: 'projects' }));
  const status = h('p', { class: 'status', testid: 'project-status', role: 'status' }, 'Loading project…');
  root.replaceChildren(back, status);

  loadProject(context, projectId, controller.signal)
    .then(({ project, offline }) => {
      if (controller.signal.aborted) return;
      status.textContent = offline ? 'Server offline: captures are kept on this phone, prediction works.' : '';
      // Labels changed on the Data tab: the whole screen is mounted again, so capture buttons and the rest follow.
      let unmount: Dispose = () => {};
      const mount = (current: Project, tab: ProjectTab) => {
        unmount();
        unmount = mountProject(root, context, modalProject(current), tab, back, status, (next) => mount(next, 'data'));
      };
      mount(project, initialTab);
      disposers.push(() => unmount());
    })
    .catch((error: unknown) => {
      if (!controller.signal.aborted) status.textContent = `Could not open the project: ${describeApiError(error)}`;
    });

  return () => disposers.forEach((dispose) => dispose());
}

/** Train: the server's search, then (classifiers) federated rounds and learning on this phone. */
function mountTrainTab(panel: HTMLElement, services: AppServices, project: ModalProject, predict: PredictPanel): Dispose {
  const [trainArea, learningArea, roundArea] = [h('div', {}), h('div', {}), h('div', {})];
  const classifier = project.task !== 'anomaly';
  panel.replaceChildren(trainArea, ...(classifier ? [roundArea, learningArea] : []));
  const disposers = [mountTrainPanel(trainArea, { client: services.client, project, onModelReady: predict.offerModel })];
  if (classifier) {
    disposers.push(
      mountLearningCard(learningArea, { ...services, project, onPersonalized: (modelId) => void predict.useModel(modelId) }),
      mountRoundCard(roundArea, { ...services, project, onRegistered: predict.offerModel }),
    );
  }
  return () => disposers.forEach((dispose) => dispose());
}

function mountProject(root: HTMLElement, context: AppContext, project: ModalProject, initialTab: ProjectTab, back: HTMLElement, status: HTMLElement, onLabelsChanged: (project: Project) => void): Dispose {
  const video = h('video', { testid: 'camera-video', autoplay: true, muted: true, playsinline: true });
  const cameraStatus = h('p', { class: 'camera-status', testid: 'camera-status', role: 'status' }, 'Starting camera…');
  const camera = h('div', { class: 'camera', testid: 'camera' }, video, cameraStatus);
  const usesCamera = project.modality === 'image';

  const panels = Object.fromEntries(
    PROJECT_TABS.map((tab) => [tab, h('section', { class: 'panel', testid: `panel-${tab}`, role: 'tabpanel' })]),
  ) as Record<ProjectTab, HTMLElement>;
  const tabButtons = PROJECT_TABS.map((tab) => {
    const button = h('button', { type: 'button', role: 'tab', class: 'tab', testid: `tab-${tab}` }, TAB_TITLES[tab]);
    button.addEventListener('click', () => select(tab));
    return button;
  });

  // Privacy mode: captures (and frames saved from Predict) go to the phone's encrypted store, never to the outbox.
  const privacy = project.samplesStayOnDevice === true;
  root.replaceChildren(
    h('div', { class: 'project-header' }, back, h('h1', { testid: 'project-name' }, project.name)),
    privacy ? h('p', { class: 'privacy-note', testid: 'project-privacy-note' }, PRIVACY_NOTE) : '',
    status,
    usesCamera ? camera : '',
    h('nav', { class: 'tabs', role: 'tablist' }, ...tabButtons),
    ...PROJECT_TABS.map((tab) => panels[tab]),
  );

  const outbox = privacy ? new PhoneOnlyOutbox(project.id) : context.outbox;
  const services = { client: context.client, outbox, reachability: context.reachability, battery: context.battery };
  const predict = mountPredictPanel(panels.predict, { ...services, project, video });
  const models = mountModelsPanel(panels.models, {
    ...services,
    project,
    onActivate: (modelId) => void predict.useModel(modelId),
  });
  const data = mountDataPanel(panels.data, {
    ...services,
    project,
    onProjectChanged: (next) => {
      void rememberProject(next);
      if (next.labels.join('\n') !== project.labels.join('\n')) queueMicrotask(() => onLabelsChanged(next));
    },
    onProjectDeleted: () => context.navigate({ name: 'projects' }),
  });
  let current: ProjectTab | undefined;
  const select = (tab: ProjectTab) => {
    PROJECT_TABS.forEach((name, i) => {
      tabButtons[i].setAttribute('aria-selected', String(name === tab));
      panels[name].hidden = name !== tab;
    });
    camera.hidden = tab !== 'capture' && tab !== 'predict';
    history.replaceState(history.state, '', routeHash({ name: 'project', projectId: project.id, tab }));
    if (current === 'predict' && tab !== 'predict') predict.hide();
    if (tab === 'predict') predict.show();
    if (tab === 'models') models.show();
    if (tab === 'data') data.show();
    current = tab;
  };

  let stream: MediaStream | undefined;
  let left = false;
  if (usesCamera) startCamera(video)
    .then((started) => {
      if (left) return stopCamera(video, started);
      stream = started;
      cameraStatus.textContent = '';
      camera.classList.add('live');
    })
    .catch((error: unknown) => {
      cameraStatus.textContent = `Camera unavailable: ${errorMessage(error)}`;
    });

  const disposers: Dispose[] = [
    mountCapturePanel(panels.capture, { ...services, project, video }),
    mountTrainTab(panels.train, services, project, predict),
    predict.dispose,
    models.dispose,
    data.dispose,
  ];
  select(initialTab);

  return () => {
    left = true;
    disposers.forEach((dispose) => dispose());
    stopCamera(video, stream);
  };
}
