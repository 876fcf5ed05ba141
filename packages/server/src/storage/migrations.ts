/**
 * Versioned schema migrations, applied in order inside one transaction each.
 * Append new steps; never edit a released one (databases in the field already ran it).
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('admin', 'device')),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  );
  CREATE TABLE pairing_tokens (
    hash TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL,
    used_at TEXT
  );
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    labels TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE samples (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    label TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    idempotency_key TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, sha256)
  );
  CREATE UNIQUE INDEX samples_idempotency ON samples (project_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE TABLE dataset_snapshots (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    labels TEXT NOT NULL,
    sample_ids TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    dataset_id TEXT NOT NULL REFERENCES dataset_snapshots(id),
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    progress TEXT NOT NULL,
    model_id TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE models (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    version INTEGER NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    dataset_id TEXT NOT NULL REFERENCES dataset_snapshots(id),
    labels TEXT NOT NULL,
    input TEXT NOT NULL,
    metrics TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, version)
  );
  CREATE TABLE model_artifacts (
    model_id TEXT NOT NULL REFERENCES models(id),
    variant TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    PRIMARY KEY (model_id, variant)
  );
  `,
  // 2: the registry's active (pinned) model per project; a scratch table for the readiness write probe.
  `
  ALTER TABLE projects ADD COLUMN active_model_id TEXT REFERENCES models(id);
  ALTER TABLE projects ADD COLUMN model_pinned INTEGER NOT NULL DEFAULT 0;
  UPDATE projects SET active_model_id = (SELECT id FROM models WHERE models.project_id = projects.id ORDER BY version DESC LIMIT 1);
  CREATE INDEX model_artifacts_sha256 ON model_artifacts (sha256);
  CREATE INDEX samples_sha256 ON samples (sha256);
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // 3: modalities (docs/modalities.md). Projects get modality/task/featureNames/settings with defaults that keep
  // existing projects image classifiers. Samples get a JSON \`meta\` and lose NOT NULL on width/height (only
  // images have them): SQLite cannot drop a constraint, so the table is rebuilt (nothing references its rows).
  `
  ALTER TABLE projects ADD COLUMN modality TEXT NOT NULL DEFAULT 'image';
  ALTER TABLE projects ADD COLUMN task TEXT NOT NULL DEFAULT 'classify';
  ALTER TABLE projects ADD COLUMN feature_names TEXT;
  ALTER TABLE projects ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
  CREATE TABLE samples_v3 (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    label TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    meta TEXT NOT NULL DEFAULT '{}',
    idempotency_key TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, sha256)
  );
  INSERT INTO samples_v3 (id, project_id, label, sha256, media_type, width, height, meta, idempotency_key, created_at)
    SELECT id, project_id, label, sha256, media_type, width, height, json_object('width', width, 'height', height), idempotency_key, created_at FROM samples;
  DROP TABLE samples;
  ALTER TABLE samples_v3 RENAME TO samples;
  CREATE UNIQUE INDEX samples_idempotency ON samples (project_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX samples_sha256 ON samples (sha256);
  `,
  // 4: every project read counts its samples per label (GROUP BY label); without this covering index each count
  // visited every sample row of the project: 10% of the main thread under the load bench (bench/server/RESULTS.md).
  `
  CREATE INDEX samples_project_label ON samples (project_id, label);
  `,
  // 5: device keys reach only their projects (the ones they created, were paired for, or an admin gave them).
  // Keys paired before keep every project that exists now, so no phone in the field loses its work. Jobs record
  // the key that queued them, for the per-key cap on queued jobs.
  `
  CREATE TABLE api_key_projects (
    key_id TEXT NOT NULL REFERENCES api_keys(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    PRIMARY KEY (key_id, project_id)
  );
  INSERT INTO api_key_projects (key_id, project_id) SELECT api_keys.id, projects.id FROM api_keys, projects WHERE api_keys.scope = 'device';
  ALTER TABLE pairing_tokens ADD COLUMN project_ids TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE jobs ADD COLUMN key_id TEXT;
  `,
  // 6: reviewing data. A deleted sample keeps its row (deleted_at) so stored snapshots still resolve and an undo can
  // bring it back; new snapshots, lists and counts skip it. A purge removes it everywhere and counts, per model
  // version, the samples it was trained on that are gone.
  `
  ALTER TABLE samples ADD COLUMN deleted_at TEXT;
  ALTER TABLE models ADD COLUMN purged_samples INTEGER NOT NULL DEFAULT 0;
  `,
  // 7: worker keys (\`offgrid worker\` on other machines): they take queued training work and reach no project. SQLite
  // cannot change a CHECK in place, so the table is rebuilt (migrate() runs this with foreign keys off and checks them after).
  `
  CREATE TABLE api_keys_v7 (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('admin', 'device', 'worker')),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  );
  INSERT INTO api_keys_v7 SELECT id, hash, scope, name, created_at, last_used_at, revoked_at FROM api_keys;
  DROP TABLE api_keys;
  ALTER TABLE api_keys_v7 RENAME TO api_keys;
  `,
  // 8: federated learning (docs/federated.md). A project may keep its samples on the phones (the server refuses them);
  // rounds and every phone's part in them are recorded, the head updates as float32 bytes until the round closes.
  `
  ALTER TABLE projects ADD COLUMN samples_stay_on_device INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE federated_rounds (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    number INTEGER NOT NULL,
    base_model_id TEXT NOT NULL REFERENCES models(id),
    settings TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'evaluating', 'closed')),
    created_at TEXT NOT NULL,
    deadline TEXT NOT NULL,
    evaluation_deadline TEXT,
    candidate TEXT,
    outcome TEXT,
    closed_at TEXT,
    result_model_id TEXT REFERENCES models(id),
    UNIQUE (project_id, number)
  );
  CREATE TABLE federated_participants (
    round_id TEXT NOT NULL REFERENCES federated_rounds(id),
    key_id TEXT NOT NULL REFERENCES api_keys(id),
    device_name TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('joined', 'submitted', 'rejected')),
    submitted_at TEXT,
    sample_count INTEGER,
    norm REAL,
    reason TEXT,
    delta BLOB,
    report TEXT,
    evaluation TEXT,
    PRIMARY KEY (round_id, key_id)
  );
  `,
  // 9: a model copied from another project (a privacy-mode project's starting point) has no job or dataset here: its
  // origin in the other project would pin that project (it could not be deleted) and could not travel in an archive.
  `
  CREATE TABLE models_v9 (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    version INTEGER NOT NULL,
    job_id TEXT REFERENCES jobs(id),
    dataset_id TEXT REFERENCES dataset_snapshots(id),
    labels TEXT NOT NULL,
    input TEXT NOT NULL,
    metrics TEXT NOT NULL,
    created_at TEXT NOT NULL,
    purged_samples INTEGER NOT NULL DEFAULT 0,
    UNIQUE (project_id, version)
  );
  INSERT INTO models_v9 SELECT m.id, m.project_id, m.version,
    CASE WHEN j.project_id = m.project_id THEN m.job_id END, CASE WHEN d.project_id = m.project_id THEN m.dataset_id END,
    m.labels, m.input, m.metrics, m.created_at, m.purged_samples
    FROM models m LEFT JOIN jobs j ON j.id = m.job_id LEFT JOIN dataset_snapshots d ON d.id = m.dataset_id;
  DROP TABLE models;
  ALTER TABLE models_v9 RENAME TO models;
  `,
  // 10: why a job failed, as a code clients switch on (engine failure.ts); jobs failed before it read as FAILED.
  `
  ALTER TABLE jobs ADD COLUMN error_code TEXT;
  `,
];
