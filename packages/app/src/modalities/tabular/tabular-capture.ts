// Tabular capture: import a CSV (header: label + the project's feature columns) straight to the server, which
// answers per row (stored, or rejected with the reason and line), or type one row and add it under a label
// through the outbox (`{"features": [...]}` as application/json, like an IoT gateway would send it).
import type { OffgridClient } from '@offgrid/sdk';
import { describeApiError } from '../../api-errors.ts';
import { errorMessage, h } from '../../dom.ts';
import type { SampleQueue } from '../../context.ts';
import type { MountCapture } from '../types.ts';
import type { ModalProject } from '../project-fields.ts';
import { readCsvRows } from './csv-local.ts';
import type { CsvRowResult } from './csv-results.ts';
import { describeCsvImport, summarizeCsvResults } from './csv-results.ts';
import { FeatureForm } from './feature-form.ts';
import './tabular.css';

/** Rejected rows listed by line; more are summed up. */
const MAX_LISTED = 20;

/**
 * A `text/csv` upload. The SDK has no CSV method yet: `uploadSample` sends the body with our content type; the
 * server takes each row's label from the CSV's label column (the `?label=` it requires is not used for CSV).
 */
async function uploadCsv(client: OffgridClient, projectId: string, anyLabel: string, bytes: Uint8Array, gzip: boolean): Promise<CsvRowResult[]> {
  const answer = (await client.uploadSample(projectId, anyLabel, bytes, { contentType: 'text/csv', gzip })) as unknown as { results?: CsvRowResult[] };
  if (!Array.isArray(answer.results)) throw new Error('The server did not answer the CSV upload row by row; does it support tabular projects?');
  return answer.results;
}

/** Privacy mode: the rows are read on the phone and each kept there as a sample (nothing is uploaded). */
async function keepCsv(outbox: SampleQueue, project: ModalProject, bytes: Uint8Array): Promise<CsvRowResult[]> {
  const { rows, rejected } = readCsvRows(new TextDecoder().decode(bytes), project.featureNames ?? [], project.labels);
  const results: CsvRowResult[] = [...rejected];
  for (const row of rows) {
    const data = new TextEncoder().encode(JSON.stringify({ features: row.features }));
    await outbox.add({ projectId: project.id, label: row.label, data, contentType: 'application/json' });
    results.push({ ok: true, line: row.line, label: row.label });
  }
  return results;
}

export const mountTabularCapture: MountCapture = (panel, { client, outbox, reachability, addUploaded }, project) => {
  const featureNames = project.featureNames ?? [];
  const header = ['label', ...featureNames].join(',');

  const csvInput = h('input', { type: 'file', accept: '.csv,text/csv', class: 'visually-hidden', testid: 'csv-input' });
  const csvButton = h('label', { class: 'button secondary', testid: 'csv-button' }, 'Choose a CSV file…', csvInput);
  const csvStatus = h('p', { class: 'status', testid: 'csv-status', role: 'status' });
  const csvRejected = h('ul', { class: 'csv-rejected', testid: 'csv-rejected' });
  csvInput.addEventListener('change', async () => {
    const file = csvInput.files?.[0];
    csvInput.value = '';
    if (!file) return;
    csvInput.disabled = true;
    csvRejected.replaceChildren();
    const local = project.samplesStayOnDevice === true;
    csvStatus.textContent = local ? `Reading ${file.name} on this phone…` : `Uploading ${file.name}…`;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const results = local ? await keepCsv(outbox, project, bytes) : await uploadCsv(client, project.id, project.labels[0], bytes, outbox.gzip);
      const summary = summarizeCsvResults(results);
      if (!local) for (const [label, count] of Object.entries(summary.storedByLabel)) addUploaded(label, count);
      csvStatus.textContent = `${file.name}: ${describeCsvImport(summary)}`;
      csvStatus.dataset.stored = String(summary.stored);
      csvStatus.dataset.duplicates = String(summary.duplicates);
      csvStatus.dataset.rejected = String(summary.rejected.length);
      const listed = summary.rejected.slice(0, MAX_LISTED).map(({ line, reason }) => h('li', { 'data-line': line }, reason));
      if (summary.rejected.length > MAX_LISTED) listed.push(h('li', {}, `…and ${summary.rejected.length - MAX_LISTED} more.`));
      csvRejected.replaceChildren(...listed);
    } catch (error) {
      csvStatus.textContent = `${file.name} was not imported: ${describeApiError(error)}`;
      delete csvStatus.dataset.stored;
    } finally {
      csvInput.disabled = false;
    }
  });

  const form = new FeatureForm(featureNames, 'row-input');
  const labelSelect = h('select', { testid: 'row-label-select', 'aria-label': 'Label of the row' }, ...project.labels.map((name) => h('option', { value: name }, name)));
  const addButton = h('button', { type: 'button', class: 'primary', testid: 'row-add-button' }, 'Add row');
  const rowStatus = h('p', { class: 'status', testid: 'row-status', role: 'status' });
  addButton.addEventListener('click', async () => {
    try {
      const features = form.read();
      const body = new TextEncoder().encode(JSON.stringify({ features }));
      await outbox.add({ projectId: project.id, label: labelSelect.value, data: body, contentType: 'application/json' });
      rowStatus.textContent = `Added a “${labelSelect.value}” row.${reachability.state === 'offline' ? ' Saved on the phone; uploads when the server is back.' : ''}`;
    } catch (error) {
      rowStatus.textContent = errorMessage(error);
    }
  });

  panel.replaceChildren(
    h(
      'div',
      { class: 'card csv-import', testid: 'csv-import' },
      h('h2', {}, 'Import a CSV file'),
      h('p', { class: 'muted' }, 'A header line, then one row per example. Columns: ', h('code', { testid: 'csv-header' }, header), ' (any order).'),
      csvButton,
      csvStatus,
      csvRejected,
    ),
    h('div', { class: 'card', testid: 'row-entry' }, h('h2', {}, 'Or add one row'), form.element, h('label', {}, 'Label', labelSelect), addButton, rowStatus),
  );
  return () => undefined;
};
