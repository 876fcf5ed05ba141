import { OffgridError } from '../errors.ts';
import type { SampleMeta } from '../schemas.ts';
import type { Project } from '../projects/project-store.ts';
import { motionSpecOf } from '../projects/project-specs.ts';
import { inspectImage } from './decode-image.ts';
import { inspectAudio } from './inspect-audio.ts';
import { inspectMotion } from './inspect-motion.ts';
import { inspectTabular } from './inspect-tabular.ts';
import { inspectText } from './inspect-text.ts';

/** A validated upload: the bytes to store (content-addressed), their media type and meta. */
export interface InspectedSample {
  bytes: Uint8Array;
  mediaType: string;
  meta: SampleMeta;
}

/**
 * Validates one uploaded sample for the project's modality, before anything is stored. Throws a 400
 * (BAD_IMAGE, BAD_AUDIO, BAD_MOTION, BAD_TEXT, BAD_ROW) whose message says what is wrong.
 */
export async function inspectSample(project: Project, bytes: Uint8Array): Promise<InspectedSample> {
  switch (project.modality) {
    case 'image': {
      const { width, height, mediaType } = await inspectImage(bytes);
      return { bytes, mediaType, meta: { width, height } };
    }
    case 'audio':
      return { bytes, mediaType: 'audio/wav', meta: inspectAudio(bytes) };
    case 'motion':
      return { bytes, mediaType: 'application/json', meta: inspectMotion(bytes, motionSpecOf(project.settings)) };
    case 'text': {
      const { stored, characters } = inspectText(bytes);
      return { bytes: stored, mediaType: 'text/plain; charset=utf-8', meta: { characters } };
    }
    case 'tabular':
      return { bytes: inspectTabular(bytes, project.featureNames ?? []).stored, mediaType: 'application/json', meta: {} };
    default:
      throw new OffgridError('INTERNAL', `Unknown modality ${String(project.modality)}.`);
  }
}
