// Projects: list them, open one, create one with a name and its labels.
import type { Project } from '@offgrid/sdk';
import type { AppContext, Dispose } from '../context.ts';
import { errorMessage, h } from '../dom.ts';
import { describeApiError } from '../api-errors.ts';
import { parseLabels } from '../labels.ts';
import { cachedProjects, rememberProjects } from '../projects-cache.ts';
import { OffgridApiError } from '@offgrid/sdk';

export function renderProjectsScreen(root: HTMLElement, context: AppContext): Dispose {
  const list = h('ul', { class: 'project-list', testid: 'project-list' });
  const empty = h('p', { class: 'muted', testid: 'projects-empty', hidden: true }, 'No projects yet. Create one below.');
  const status = h('p', { class: 'status', testid: 'projects-status', role: 'status' }, 'Loading projects…');
  const nameInput = h('input', { testid: 'project-name-input', name: 'name', required: true, maxlength: 100, placeholder: 'e.g. Fruit', autocomplete: 'off' });
  const labelsInput = h('input', { testid: 'project-labels-input', name: 'labels', required: true, placeholder: 'e.g. apple, banana, orange', autocomplete: 'off', autocapitalize: 'none' });
  const createButton = h('button', { type: 'submit', class: 'primary', testid: 'project-create-button' }, 'Create project');
  const formStatus = h('p', { class: 'status', testid: 'project-form-status', role: 'status' });
  const form = h(
    'form',
    { class: 'card', testid: 'project-form' },
    h('h2', {}, 'New project'),
    h('label', {}, 'Name', nameInput),
    h('label', {}, 'Labels, comma-separated (2 or more)', labelsInput),
    createButton,
    formStatus,
  );
  root.replaceChildren(h('h1', {}, 'Projects'), status, list, empty, form);

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

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    const labels = parseLabels(labelsInput.value);
    if (!name) return void (formStatus.textContent = 'Give the project a name.');
    if (labels.length < 2) return void (formStatus.textContent = 'Enter at least 2 different labels, separated by commas.');
    createButton.disabled = true;
    formStatus.textContent = 'Creating…';
    context.client
      .createProject({ name, labels }, { signal: controller.signal })
      .then(open)
      .catch((error: unknown) => {
        formStatus.textContent = `Could not create the project: ${errorMessage(error)}`;
        createButton.disabled = false;
      });
  });

  return () => controller.abort();
}

function projectItem(project: Project, onOpen: () => void): HTMLElement {
  const total = Object.values(project.sampleCounts).reduce((sum, count) => sum + count, 0);
  const button = h(
    'button',
    { type: 'button', class: 'project-item', testid: 'project-item', 'data-project-id': project.id },
    h('span', { class: 'project-item-name' }, project.name),
    h('span', { class: 'muted' }, `${project.labels.join(' · ')} — ${total} sample${total === 1 ? '' : 's'}`),
  );
  button.addEventListener('click', onOpen);
  return h('li', {}, button);
}
