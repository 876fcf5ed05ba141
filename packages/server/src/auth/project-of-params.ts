import type { Db } from '../storage/database.ts';
import type { ProjectOfParams } from './require-key.ts';

/**
 * The project a route's path parameters belong to, for the key check's project scope. A job or model that does
 * not exist names no project: the route's handler answers 404 for it.
 */
export function projectOfParams(db: Db): ProjectOfParams {
  const jobProject = db.prepare('SELECT project_id FROM jobs WHERE id = ?').pluck();
  const modelProject = db.prepare('SELECT project_id FROM models WHERE id = ?').pluck();
  const roundProject = db.prepare('SELECT project_id FROM federated_rounds WHERE id = ?').pluck();
  // An empty parameter ("/projects/" matches "/projects/:projectId") names nothing: the schema answers 400 for it.
  return ({ projectId, jobId, modelId, roundId }) => {
    if (projectId) return projectId;
    if (jobId) return jobProject.get(jobId) as string | undefined;
    if (modelId) return modelProject.get(modelId) as string | undefined;
    if (roundId) return roundProject.get(roundId) as string | undefined;
    return undefined;
  };
}
