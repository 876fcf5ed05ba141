// The project fields of docs/modalities.md (modality, task, featureNames, settings), as the SDK types them; their
// words (MODALITIES, TASKS, NORMAL_LABEL…) are @offgrid/features'. Projects this phone cached before those fields
// existed (IndexedDB, used offline) are image classifiers.
import { MODALITIES } from '@offgrid/features';
import type { Project, ProjectSettings } from '@offgrid/sdk';

export type { ProjectSettings };

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
