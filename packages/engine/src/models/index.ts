export { createSmallCnn, reseedDropout, SMALL_CNN_INPUT_SHAPE } from './small-cnn.ts';
export type { SmallCnnOptions } from './small-cnn.ts';
