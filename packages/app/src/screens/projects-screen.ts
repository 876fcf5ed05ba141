// Projects: list them, open one, create one (the form: projects/new-project-form.ts).
import type { Project } from '@offgrid/sdk';
import type { AppContext, Dispose } from '../context.ts';
import { errorMessage, h } from '../dom.ts';
import { describeApiError } from '../api-errors.ts';
import { MODALITY_TITLES, newProjectInput } from '../modalities/new-project.ts';
import { modalProject } from '../modalities/project-fields.ts';
import { cachedProjects, rememberProjects } from '../projects-cache.ts';
import { newProjectForm } from './projects/new-project-form.ts';
import { OffgridApiError } from '@offgrid/sdk';

export function renderProjectsScreen(root: HTMLElement, context: AppContext): Dispose {
  const list = h('ul', { class: 'project-list', testid: 'project-list' });
  const empty = h('p', { class: 'muted', testid: 'projects-empty', hidden: true }, 'No projects yet. Create one below.');
  const status = h('p', { class: 'status', testid: 'projects-status', role: 'status' }, 'Loading projects…');
  const form = newProjectForm();
  root.replaceChildren(h('h1', {}, 'Projects'), status, list, empty, form.form);

  const controller = new AbortController();
  const open = (project: Project) => context.navigate({ name: 'project', projectId: project.id, tab: 'capture' });

  const showProjects = (projects: Project[]) => {
    list.replaceChildren(...projects.map((project) => projectItem(project, () => open(project))));
    empty.hidden = projects.length > 0;
    status.textContent = '';
  };

  context.client
    .listProjects({ signal: controller.signal })
    .then((projects) => {
      showProjects(projects);
      void rememberProjects(projects);
    })
    .catch(async (error: unknown) => {
      if (controller.signal.aborted) return;
      if (error instanceof OffgridApiError && error.status === 0) {
        context.reachability.report(false);
        showProjects(await cachedProjects());
        status.textContent = 'Server offline: showing the projects this phone knows.';
      } else status.textContent = describeApiError(error);
    });

  form.form.addEventListener('submit', (event) => {
    event.preventDefault();
    let input;
    try {
      input = newProjectInput(form.fields());
    } catch (error) {
      return void (form.status.textContent = errorMessage(error));
    }
    form.createButton.disabled = true;
    form.status.textContent = 'Creating…';
    context.client
      .createProject(input, { signal: controller.signal })
      .then(open)
      .catch((error: unknown) => {
        form.status.textContent = `Could not create the project: ${errorMessage(error)}`;
        form.createButton.disabled = false;
      });
  });

  return () => controller.abort();
}

function projectItem(stored: Project, onOpen: () => void): HTMLElement {
  const project = modalProject(stored);
  const total = Object.values(project.sampleCounts).reduce((sum, count) => sum + count, 0);
  const kind = `${MODALITY_TITLES[project.modality].replace(/ \(.*\)$/, '')}${project.task === 'anomaly' ? ', anomaly detection' : ''}`;
  const button = h(
    'button',
    { type: 'button', class: 'project-item', testid: 'project-item', 'data-project-id': project.id, 'data-modality': project.modality },
    h('span', { class: 'project-item-name' }, project.name),
    h('span', { class: 'muted' }, kind),
    h('span', { class: 'muted' }, `${project.labels.join(' · ')} — ${total} sample${total === 1 ? '' : 's'}`),
  );
  button.addEventListener('click', onOpen);
  return h('li', {}, button);
}
