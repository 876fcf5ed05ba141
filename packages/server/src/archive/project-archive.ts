import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, rmSync } from 'node:fs';
import { link, mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import type { Project } from '../projects/project-store.ts';
import { FINAL_STATUSES } from '../jobs/job-store.ts';
import { renderReportHtml } from '@offgrid/pipeline/report-html';
import type { TrainReport } from '@offgrid/pipeline';
import type { ManifestChecks } from './manifest-checks.ts';
import { readTar, TAR_END, tarHeader, tarPadding } from './tar.ts';

/** Cap on an imported archive after decompression (a project's images and models). */
export const MAX_ARCHIVE_BYTES = 4 * 1024 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
/** A training report is kilobytes to a few megabytes (every trial's learning curve); past this it is not one. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;
export const ARCHIVE_FORMAT = 'offgrid-project';
export const ARCHIVE_VERSION = 1;
const SHA256 = /^[0-9a-f]{64}$/;

/** manifest.json: every row of the project, ids kept (phones and links keep working after a move). */
export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  version: typeof ARCHIVE_VERSION;
  exportedAt: string;
  // modality/task/featureNames/settings and sample meta: absent in archives from before modalities (an image project then).
  // samplesStayOnDevice: absent in archives from before privacy mode (off then).
  project: { id: string; name: string; labels: string[]; createdAt: string; activeModelId: string | null; modelPinned: boolean } & Partial<Pick<Project, 'modality' | 'task' | 'featureNames' | 'settings' | 'samplesStayOnDevice'>>;
  /** `deletedAt`: deleted on the phone but not purged (stored snapshots still name it). */
  samples: { id: string; label: string; sha256: string; mediaType: string; width: number | null; height: number | null; meta?: unknown; idempotencyKey: string | null; createdAt: string; deletedAt?: string | null }[];
  datasets: { id: string; labels: string[]; sampleIds: string[]; createdAt: string }[];
  jobs: { id: string; datasetId: string; request: unknown; status: string; progress: unknown; modelId: string | null; error: string | null; errorCode?: string | null; createdAt: string; updatedAt: string }[];
  /** `jobId`/`datasetId` null: a copy of another project's model (it did not train here). */
  models: { id: string; version: number; jobId: string | null; datasetId: string | null; labels: string[]; input: unknown; metrics: unknown; createdAt: string; purgedSamples?: number; artifacts: { variant: string; sha256: string; sizeBytes: number }[] }[];
  /** Each distinct file once, as `blobs/<sha256>` in the archive. */
  blobs: { sha256: string; sizeBytes: number }[];
}

/** Reads the project's rows into a manifest (one consistent read: better-sqlite3 is synchronous). */
export async function manifestOf({ db, projects, blobs: store }: ServerContext, projectId: string): Promise<ArchiveManifest> {
  const project = projects.get(projectId);
  const rows = <T>(sql: string) => db.prepare(sql).all(project.id) as T[];
  const samples = rows<{ id: string; label: string; sha256: string; media_type: string; width: number | null; height: number | null; meta: string; idempotency_key: string | null; created_at: string; deleted_at: string | null }>(
    'SELECT * FROM samples WHERE project_id = ? ORDER BY created_at, id').map((r) => ({
    id: r.id, label: r.label, sha256: r.sha256, mediaType: r.media_type, width: r.width, height: r.height, meta: JSON.parse(r.meta) as unknown, idempotencyKey: r.idempotency_key, createdAt: r.created_at, deletedAt: r.deleted_at,
  }));
  const datasets = rows<{ id: string; labels: string; sample_ids: string; created_at: string }>('SELECT * FROM dataset_snapshots WHERE project_id = ? ORDER BY created_at, id')
    .map((r) => ({ id: r.id, labels: JSON.parse(r.labels), sampleIds: JSON.parse(r.sample_ids), createdAt: r.created_at }));
  const jobs = rows<{ id: string; dataset_id: string; request: string; status: string; progress: string; model_id: string | null; error: string | null; error_code: string | null; created_at: string; updated_at: string }>(
    'SELECT * FROM jobs WHERE project_id = ? ORDER BY created_at, id').map((r) => ({
    id: r.id, datasetId: r.dataset_id, request: JSON.parse(r.request), status: r.status, progress: JSON.parse(r.progress), modelId: r.model_id, error: r.error, errorCode: r.error_code, createdAt: r.created_at, updatedAt: r.updated_at,
  }));
  const artifactsOf = db.prepare('SELECT variant, sha256, size_bytes FROM model_artifacts WHERE model_id = ? ORDER BY variant');
  const models = rows<{ id: string; version: number; job_id: string | null; dataset_id: string | null; labels: string; input: string; metrics: string; created_at: string; purged_samples: number }>(
    'SELECT * FROM models WHERE project_id = ? ORDER BY version').map((r) => ({
    id: r.id, version: r.version, jobId: r.job_id, datasetId: r.dataset_id, labels: JSON.parse(r.labels), input: JSON.parse(r.input), metrics: JSON.parse(r.metrics), createdAt: r.created_at, purgedSamples: r.purged_samples,
    artifacts: (artifactsOf.all(r.id) as { variant: string; sha256: string; size_bytes: number }[]).map((a) => ({ variant: a.variant, sha256: a.sha256, sizeBytes: a.size_bytes })),
  }));
  const digests = [...new Set([...samples.map((s) => s.sha256), ...models.flatMap((m) => m.artifacts.map((a) => a.sha256))])];
  const blobs = [];
  for (const sha256 of digests) blobs.push({ sha256, sizeBytes: (await stat(store.pathOf(sha256))).size });
  return {
    format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, exportedAt: new Date().toISOString(),
    project: {
      id: project.id, name: project.name, labels: project.labels, createdAt: project.createdAt, activeModelId: project.activeModelId ?? null, modelPinned: project.modelPinned,
      modality: project.modality, task: project.task, ...(project.featureNames ? { featureNames: project.featureNames } : {}), settings: project.settings,
      samplesStayOnDevice: project.samplesStayOnDevice,
    },
    samples, datasets, jobs, models, blobs,
  };
}

/** The archive as a stream: manifest.json, then each file once as blobs/<sha256>, then the end marker. */
export function exportStream(context: ServerContext, manifest: ArchiveManifest): Readable {
  return Readable.from((async function* () {
    const json = Buffer.from(JSON.stringify(manifest, null, 1));
    const mtime = Date.parse(manifest.exportedAt);
    yield Buffer.concat([tarHeader('manifest.json', json.length, mtime), json, tarPadding(json.length)]);
    for (const blob of manifest.blobs) {
      yield tarHeader(`blobs/${blob.sha256}`, blob.sizeBytes, mtime);
      let sent = 0;
      for await (const chunk of createReadStream(context.blobs.pathOf(blob.sha256)) as AsyncIterable<Buffer>) {
        sent += chunk.length;
        yield chunk;
      }
      if (sent !== blob.sizeBytes) throw new Error(`blob ${blob.sha256} changed size during the export`);
      yield tarPadding(blob.sizeBytes);
    }
    yield TAR_END;
  })());
}

/** Streams gzip through a gunzip when the body starts with the gzip magic bytes. */
async function* maybeGunzip(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const chunks = body[Symbol.asyncIterator]();
  const first = await chunks.next();
  if (first.done) return;
  const rest = { [Symbol.asyncIterator]: () => chunks };
  const all = (async function* () { yield first.value; yield* rest; })();
  if (first.value[0] !== 0x1f || first.value[1] !== 0x8b) {
    yield* all;
    return;
  }
  const gunzip = Readable.from(all).pipe(createGunzip());
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    if (error instanceof OffgridError) throw error;
    throw new OffgridError('VALIDATION', `The archive's gzip stream is corrupt or truncated (${(error as Error).message}); nothing was imported.`);
  } finally {
    gunzip.destroy();
  }
}

export interface ImportResult {
  project: Project;
  imported: { samples: number; datasets: number; jobs: number; models: number; blobs: number };
}

/** A file of the archive, streamed to a temp file at the blob store's root: its measured size, never the declared one. */
interface ArchiveFile {
  temp: string;
  size: number;
}

/**
 * Imports an archive: the manifest must pass the API's own schemas and limits (`checks`); every file is streamed
 * to a temp file while hashed and must match its name and listed size; the manifest must be complete and
 * consistent; each model's report page is rendered again from its checked report.json (the archive's HTML is
 * never stored); only then are the files linked into the blob store and all rows inserted in one transaction. On
 * any failure nothing stays behind (temp files removed, newly placed files that no row references deleted).
 */
export async function importArchive(context: ServerContext, body: AsyncIterable<Buffer>, checks: ManifestChecks): Promise<ImportResult> {
  const { db, blobs, projects, models } = context;
  const files = new Map<string, ArchiveFile>(); // sha256 → temp file
  const placed: string[] = [];
  try {
    let manifest: ArchiveManifest | undefined;
    for await (const entry of readTar(maybeGunzip(body), MAX_ARCHIVE_BYTES)) {
      if (entry.name === 'manifest.json') {
        if (manifest) throw invalid('it has two manifest.json entries');
        if (entry.size > MAX_MANIFEST_BYTES) throw new OffgridError('TOO_LARGE', `manifest.json is larger than ${MAX_MANIFEST_BYTES} bytes.`);
        const parts: Buffer[] = [];
        for await (const part of entry.read()) parts.push(part);
        manifest = parseManifest(Buffer.concat(parts));
        checks.manifest(manifest);
        continue;
      }
      const match = /^blobs\/([0-9a-f]{64})$/.exec(entry.name);
      if (!match) throw invalid(`unexpected entry "${entry.name.slice(0, 120)}"`);
      const sha256 = match[1];
      if (files.has(sha256)) throw invalid(`blobs/${sha256} appears twice`);
      const written: ArchiveFile = { temp: tempPath(blobs.root), size: 0 };
      files.set(sha256, written);
      const hash = createHash('sha256');
      await writeTemp(written.temp, (async function* () {
        for await (const part of entry.read()) {
          hash.update(part);
          written.size += part.length;
          yield part;
        }
      })());
      const actual = hash.digest('hex');
      if (actual !== sha256) {
        throw new OffgridError('CHECKSUM_MISMATCH', `The archive is corrupt: blobs/${sha256} has sha256 ${actual}; nothing was imported. Export it again.`);
      }
    }
    if (!manifest) throw invalid('it has no manifest.json (is it an Offgrid project export?)');
    checkConsistent(manifest, files);
    const existing = db.prepare('SELECT 1 FROM projects WHERE id = ?').get(manifest.project.id);
    if (existing) {
      throw new OffgridError('CONFLICT', `Project ${manifest.project.id} ("${manifest.project.name}") already exists on this server; nothing was imported. It is the same project: keep using it, or import the archive on another server.`);
    }
    await renderReports(context, manifest, files, checks);
    // Only the files a row references are kept (not the archive's report pages, replaced above).
    const needed = new Set([...manifest.samples.map((s) => s.sha256), ...manifest.models.flatMap((x) => x.artifacts.map((a) => a.sha256))]);
    // Files first (hard links of the fsynced temp files: atomic), rows second: a crash in between leaves
    // unreferenced files, never rows without files. As in BlobStore.putAllThen, the final existence check
    // and the inserts run in one synchronous stretch, so a concurrent delete cannot slip in between.
    for (;;) {
      for (const sha256 of needed) {
        const { temp } = files.get(sha256)!;
        const path = blobs.pathOf(sha256);
        if (existsSync(path)) continue;
        await mkdir(dirname(path), { recursive: true });
        await link(temp, path).catch((error: NodeJS.ErrnoException) => { if (error.code !== 'EEXIST') throw error; });
        placed.push(sha256);
      }
      if ([...needed].every((sha256) => existsSync(blobs.pathOf(sha256)))) break;
    }
    insertRows(context, manifest, files);
    return {
      project: projects.get(manifest.project.id),
      imported: { samples: manifest.samples.length, datasets: manifest.datasets.length, jobs: manifest.jobs.length, models: manifest.models.length, blobs: needed.size },
    };
  } catch (error) {
    for (const sha256 of placed) blobs.deleteIfUnreferenced(sha256, () => models.blobReferenced(sha256));
    throw error;
  } finally {
    for (const { temp } of files.values()) rmSync(temp, { force: true });
  }
}

const tempPath = (root: string) => join(root, `.import-${randomBytes(8).toString('hex')}`);

async function writeTemp(path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, 'w');
  try {
    for await (const chunk of chunks) await file.write(chunk);
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * A report page can carry script that would run on the app's origin (where the app keeps its key), so the archive's
 * `report-html` is never kept: each model's page is rendered here from its report.json, once that passed the API's
 * report schema. A model without a report.json gets no page.
 */
async function renderReports({ blobs }: ServerContext, m: ArchiveManifest, files: Map<string, ArchiveFile>, checks: ManifestChecks): Promise<void> {
  for (const [i, model] of m.models.entries()) {
    const kept = model.artifacts.filter((a) => a.variant !== 'report-html');
    const json = kept.find((a) => a.variant === 'report');
    model.artifacts = kept;
    if (!json) continue;
    const where = `models[${i}] (v${model.version})'s report.json`;
    const { temp, size } = files.get(json.sha256)!;
    if (size > MAX_REPORT_BYTES) throw invalid(`${where} is ${size} bytes; a training report is at most ${MAX_REPORT_BYTES}`);
    let report: TrainReport;
    try {
      report = JSON.parse(await readFile(temp, 'utf8'));
    } catch {
      throw invalid(`${where} is not JSON`);
    }
    checks.report(report, where);
    let html: Buffer;
    try {
      html = Buffer.from(renderReportHtml(report));
    } catch (error) {
      throw invalid(`${where} cannot be shown as a page (${(error as Error).message})`);
    }
    const sha256 = createHash('sha256').update(html).digest('hex');
    if (!files.has(sha256)) {
      const page: ArchiveFile = { temp: tempPath(blobs.root), size: html.length };
      files.set(sha256, page);
      await writeTemp(page.temp, [html]);
    }
    model.artifacts.push({ variant: 'report-html', sha256, sizeBytes: html.length });
  }
}

const invalid = (why: string) => new OffgridError('VALIDATION', `The archive is not a valid Offgrid project export: ${why}. Nothing was imported.`);

function parseManifest(bytes: Buffer): ArchiveManifest {
  let manifest: ArchiveManifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('manifest.json is not JSON');
  }
  if (manifest?.format !== ARCHIVE_FORMAT) throw invalid('manifest.json is not an Offgrid project manifest');
  if (manifest.version !== ARCHIVE_VERSION) throw invalid(`archive version ${manifest.version} is not supported (this server reads version ${ARCHIVE_VERSION})`);
  for (const key of ['samples', 'datasets', 'jobs', 'models', 'blobs'] as const) if (!Array.isArray(manifest[key])) throw invalid(`manifest.${key} is missing`);
  if (typeof manifest.project?.id !== 'string' || !Array.isArray(manifest.project.labels)) throw invalid('manifest.project is missing');
  return manifest;
}

/** Every reference resolves inside the archive and every listed file arrived with its announced size. */
function checkConsistent(m: ArchiveManifest, files: Map<string, ArchiveFile>): void {
  const id = /^[0-9a-f-]{36}$/;
  const ids = [m.project.id, ...m.samples.map((s) => s.id), ...m.datasets.map((d) => d.id), ...m.jobs.map((j) => j.id), ...m.models.map((x) => x.id)];
  if (!ids.every((value) => typeof value === 'string' && id.test(value))) throw invalid('an id is malformed');
  const labels = new Set(m.project.labels);
  const samples = new Set(m.samples.map((s) => s.id));
  const datasets = new Set(m.datasets.map((d) => d.id));
  const jobs = new Set(m.jobs.map((j) => j.id));
  const modelIds = new Set(m.models.map((x) => x.id));
  const listed = new Map(m.blobs.map((b) => [b.sha256, b.sizeBytes]));
  const needBlob = (sha256: string) => {
    if (!SHA256.test(sha256) || !listed.has(sha256) || !files.has(sha256)) throw invalid(`file ${String(sha256).slice(0, 64)} is referenced but missing from the archive (truncated?)`);
  };
  // Downloads send the stored size as Content-Length: a wrong one would cut the file short or hang the client.
  const sizeOf = (sha256: string, declared: number, field: string) => {
    const { size } = files.get(sha256)!;
    if (declared !== size) throw invalid(`manifest.json: ${field} is ${declared} but blobs/${sha256} holds ${size} bytes`);
  };
  for (const s of m.samples) {
    if (!labels.has(s.label)) throw invalid(`sample ${s.id} has label "${s.label}", not one of the project's`);
    needBlob(s.sha256);
  }
  for (const d of m.datasets) if (!Array.isArray(d.sampleIds) || !d.sampleIds.every((sid) => samples.has(sid))) throw invalid(`dataset ${d.id} references samples that are not in the archive`);
  for (const j of m.jobs) {
    if (!datasets.has(j.datasetId)) throw invalid(`job ${j.id} references a dataset that is not in the archive`);
    if (j.modelId && !modelIds.has(j.modelId)) throw invalid(`job ${j.id} references a model that is not in the archive`);
  }
  if (m.project.samplesStayOnDevice && m.samples.length > 0) throw invalid('the project keeps its samples on the phones, yet the archive holds samples');
  for (const [i, x] of m.models.entries()) {
    if ((x.jobId !== null && !jobs.has(x.jobId)) || (x.datasetId !== null && !datasets.has(x.datasetId))) throw invalid(`model ${x.id} references a job or dataset that is not in the archive`);
    x.artifacts.forEach((a, k) => {
      needBlob(a.sha256);
      sizeOf(a.sha256, a.sizeBytes, `models[${i}].artifacts[${k}].sizeBytes`);
    });
  }
  if (m.project.activeModelId && !modelIds.has(m.project.activeModelId)) throw invalid('the active model is not in the archive');
  for (const sha256 of listed.keys()) if (!files.has(sha256)) throw invalid(`blobs/${sha256} is missing (truncated?)`);
  if (files.size !== listed.size) throw invalid('it holds files the manifest does not list');
  m.blobs.forEach((b, i) => sizeOf(b.sha256, b.sizeBytes, `blobs[${i}].sizeBytes`));
}

function insertRows({ db }: ServerContext, m: ArchiveManifest, files: Map<string, ArchiveFile>): void {
  db.transaction(() => {
    const taken = db.prepare(`SELECT 1 FROM samples WHERE id IN (SELECT value FROM json_each(@ids)) UNION ALL SELECT 1 FROM dataset_snapshots WHERE id IN (SELECT value FROM json_each(@ids))
      UNION ALL SELECT 1 FROM jobs WHERE id IN (SELECT value FROM json_each(@ids)) UNION ALL SELECT 1 FROM models WHERE id IN (SELECT value FROM json_each(@ids)) UNION ALL SELECT 1 FROM projects WHERE id = @project LIMIT 1`)
      .get({ project: m.project.id, ids: JSON.stringify([...m.samples, ...m.datasets, ...m.jobs, ...m.models].map((row) => row.id)) });
    if (taken) throw new OffgridError('CONFLICT', 'Rows of this project already exist on this server (was it imported before?); nothing was imported.');
    const p = m.project;
    db.prepare(`INSERT INTO projects (id, name, labels, modality, task, feature_names, settings, created_at, active_model_id, model_pinned, samples_stay_on_device)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`)
      .run(p.id, p.name, JSON.stringify(p.labels), p.modality ?? 'image', p.task ?? 'classify', p.featureNames ? JSON.stringify(p.featureNames) : null, JSON.stringify(p.settings ?? {}), p.createdAt, p.modelPinned ? 1 : 0, p.samplesStayOnDevice ? 1 : 0);
    const sample = db.prepare(`INSERT INTO samples (id, project_id, label, sha256, media_type, width, height, meta, idempotency_key, created_at, deleted_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const s of m.samples) {
      const meta = s.meta ?? (s.width !== null && s.height !== null ? { width: s.width, height: s.height } : {});
      sample.run(s.id, p.id, s.label, s.sha256, s.mediaType, s.width ?? null, s.height ?? null, JSON.stringify(meta), s.idempotencyKey ?? null, s.createdAt, s.deletedAt ?? null);
    }
    const dataset = db.prepare('INSERT INTO dataset_snapshots (id, project_id, labels, sample_ids, created_at) VALUES (?, ?, ?, ?, ?)');
    for (const d of m.datasets) dataset.run(d.id, p.id, JSON.stringify(d.labels), JSON.stringify(d.sampleIds), d.createdAt);
    const job = db.prepare(`INSERT INTO jobs (id, project_id, dataset_id, request, status, progress, model_id, error, error_code, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const j of m.jobs) {
      // A job that was queued or running on the old machine is not resumed here: it is recorded as cancelled.
      const final = (FINAL_STATUSES as readonly string[]).includes(j.status);
      job.run(j.id, p.id, j.datasetId, JSON.stringify(j.request), final ? j.status : 'cancelled', JSON.stringify(j.progress), j.modelId ?? null,
        final ? j.error ?? null : 'interrupted by a project export/import; start training again', final ? j.errorCode ?? null : null, j.createdAt, j.updatedAt);
    }
    const model = db.prepare(`INSERT INTO models (id, project_id, version, job_id, dataset_id, labels, input, metrics, created_at, purged_samples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const artifact = db.prepare('INSERT INTO model_artifacts (model_id, variant, sha256, size_bytes) VALUES (?, ?, ?, ?)');
    for (const x of m.models) {
      model.run(x.id, p.id, x.version, x.jobId ?? null, x.datasetId ?? null, JSON.stringify(x.labels), JSON.stringify(x.input), JSON.stringify(x.metrics), x.createdAt, x.purgedSamples ?? 0);
      for (const a of x.artifacts) artifact.run(x.id, a.variant, a.sha256, files.get(a.sha256)!.size);
    }
    db.prepare('UPDATE projects SET active_model_id = ? WHERE id = ?').run(p.activeModelId ?? null, p.id);
  })();
}
