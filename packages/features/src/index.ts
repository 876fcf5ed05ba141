export * from './image.ts';
export * from './audio.ts';
export * from './motion.ts';
export * from './motion-csv.ts';
export * from './text.ts';
export * from './tabular.ts';
export { fft, powerSpectrum, nextPowerOfTwo, isPowerOfTwo } from './fft.ts';
export * from './probes.ts';
export * from './random.ts';
