// Which capture and predict modules each modality mounts: the capture and predict panels keep what all share
// (counts, outbox, model loading) and mount these into their area.
import type { Modality } from '@offgrid/features';
import { mountAudioCapture } from './audio/audio-capture.ts';
import { mountAudioPredict } from './audio/audio-predict.ts';
import { mountImageCapture } from './image/image-capture.ts';
import { mountImagePredict } from './image/image-predict.ts';
import { mountMotionCapture } from './motion/motion-capture.ts';
import { mountMotionPredict } from './motion/motion-predict.ts';
import { mountTabularCapture } from './tabular/tabular-capture.ts';
import { mountTabularPredict } from './tabular/tabular-predict.ts';
import { mountTextCapture } from './text/text-capture.ts';
import { mountTextPredict } from './text/text-predict.ts';
import type { MountCapture, MountPredict } from './types.ts';
import './modalities.css';

export const CAPTURE_MODULES: Record<Modality, MountCapture> = {
  image: mountImageCapture,
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
