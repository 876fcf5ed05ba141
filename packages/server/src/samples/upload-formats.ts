import type { Modality } from '@offgrid/features';
import type { Project } from '../projects/project-store.ts';
import { IMAGE_LIMITS, IMAGE_MEDIA_TYPES } from './decode-image.ts';

/** What a raw upload body may be, per modality (docs/modalities.md), and the cap on its decoded size. */
export interface UploadFormat {
  /** Media types of one sample; the first is the canonical one (named in errors and stored for the sample). */
  mediaTypes: readonly string[];
  maxBytes: number;
  /** What the cap means to a person, for the 413 message. */
  limitText: string;
}

export const CSV_MEDIA_TYPE = 'text/csv';
/** A CSV upload (tabular and text projects: one sample per row). */
// Each row is its own fsynced blob (~2.5 ms a row measured here): 10,000 rows answer in ~25 s.
export const CSV_LIMITS = { maxBytes: 16 * 1024 * 1024, maxRows: 10_000 } as const;

export const AUDIO_MEDIA_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'] as const;

export const UPLOAD_FORMATS: Record<Modality, UploadFormat> = {
  image: { mediaTypes: IMAGE_MEDIA_TYPES, maxBytes: IMAGE_LIMITS.maxBytes, limitText: 'Images are limited to 10 MiB; phones should downsample before uploading' },
  // 10 s of 48 kHz stereo 32-bit float is 3.8 MB; anything bigger is not a clip we accept.
  audio: { mediaTypes: AUDIO_MEDIA_TYPES, maxBytes: 8 * 1024 * 1024, limitText: 'Audio clips are limited to 8 MiB (10 s of WAV)' },
  // 10 minutes of 6 channels at 50 Hz is ~2 MB of JSON; faster rates need shorter sessions.
  motion: { mediaTypes: ['application/json'], maxBytes: 16 * 1024 * 1024, limitText: 'Motion recordings are limited to 16 MiB of JSON; split long sessions' },
  text: { mediaTypes: ['text/plain'], maxBytes: 64 * 1024, limitText: 'Texts are limited to 64 KiB (5000 characters)' },
  tabular: { mediaTypes: ['application/json'], maxBytes: 1024 * 1024, limitText: 'A tabular row is limited to 1 MiB of JSON' },
};

/** The media type of a Content-Type header: lowercased, parameters dropped. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Whether a project takes CSV uploads (one sample per row). */
export function acceptsCsv(project: Pick<Project, 'modality'>): boolean {
  return project.modality === 'tabular' || project.modality === 'text';
}

/** The raw-body media types a project accepts, in the words a 415 uses. */
export function expectedTypesText(project: Pick<Project, 'modality'>): string {
  const types = [...UPLOAD_FORMATS[project.modality].mediaTypes.slice(0, project.modality === 'audio' ? 1 : undefined)];
  if (acceptsCsv(project)) types.push(`${CSV_MEDIA_TYPE} (many rows)`);
  types.push('multipart/form-data (many files)');
  return types.join(', ');
}
