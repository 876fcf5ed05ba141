// The project fields of docs/modalities.md (modality, task, featureNames, settings), as the SDK types them.
// Projects this phone cached before those fields existed (IndexedDB, used offline) are image classifiers.
import type { Project, ProjectSettings } from '@offgrid/sdk';

export type Modality = Project['modality'];
export type Task = Project['task'];
export type { ProjectSettings };
export const MODALITIES: readonly Modality[] = ['image', 'audio', 'motion', 'text', 'tabular'];

/** Modalities whose projects may be anomaly detectors (learn "normal", score how far a sample is from it). */
export const ANOMALY_MODALITIES: readonly Modality[] = ['motion', 'tabular'];
/** The label anomaly projects must have: what the model learns as normal. */
export const NORMAL_LABEL = 'normal';

/** A project whose modality fields are all there. */
export type ModalProject = Project;

/** Fills the modality fields of a project from an older server or an older cache: an image classifier. */
export function modalProject(project: Project): ModalProject {
  const fields = project as Partial<Project>;
  return {
    ...project,
    modality: fields.modality && MODALITIES.includes(fields.modality) ? fields.modality : 'image',
    task: fields.task === 'anomaly' ? 'anomaly' : 'classify',
    settings: fields.settings ?? {},
  };
}
