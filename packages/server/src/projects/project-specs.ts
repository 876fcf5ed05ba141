import { DEFAULT_AUDIO_SPEC, DEFAULT_MOTION_SPEC, DEFAULT_TEXT_SPEC, type AudioSpec, type MotionSpec, type TextSpec } from '@offgrid/features';
import type { ProjectSettings } from './project-fields.ts';

/** The preprocessing specs of a project: the `@offgrid/features` defaults with the project's settings applied. */
export function motionSpecOf(settings: ProjectSettings): MotionSpec {
  return { ...DEFAULT_MOTION_SPEC, channels: [...DEFAULT_MOTION_SPEC.channels], ...settings.motion };
}

export function audioSpecOf(settings: ProjectSettings): AudioSpec {
  return { ...DEFAULT_AUDIO_SPEC, ...settings.audio };
}

export function textSpecOf(settings: ProjectSettings): TextSpec {
  return { ...DEFAULT_TEXT_SPEC, ...settings.text };
}
