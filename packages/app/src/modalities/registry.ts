// Which capture and predict modules each modality mounts. Image capture keeps the camera panel (capture-panel.ts)
// for now; image prediction is a module like the others.
import type { Modality } from '@offgrid/features';
import { mountAudioCapture } from './audio/audio-capture.ts';
import { mountAudioPredict } from './audio/audio-predict.ts';
import { mountImagePredict } from './image/image-predict.ts';
import { mountMotionCapture } from './motion/motion-capture.ts';
import { mountMotionPredict } from './motion/motion-predict.ts';
import { mountTabularCapture } from './tabular/tabular-capture.ts';
import { mountTabularPredict } from './tabular/tabular-predict.ts';
import { mountTextCapture } from './text/text-capture.ts';
import { mountTextPredict } from './text/text-predict.ts';
import type { MountCapture, MountPredict } from './types.ts';
import './modalities.css';

export const CAPTURE_MODULES: Record<Exclude<Modality, 'image'>, MountCapture> = {
  audio: mountAudioCapture,
  motion: mountMotionCapture,
  text: mountTextCapture,
  tabular: mountTabularCapture,
};

export const PREDICT_MODULES: Record<Modality, MountPredict> = {
  image: mountImagePredict,
  audio: mountAudioPredict,
  motion: mountMotionPredict,
  text: mountTextPredict,
  tabular: mountTabularPredict,
};
