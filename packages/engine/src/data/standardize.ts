import { fitStandardScaler, type StandardScaler } from '@offgrid/features';

/**
 * In-place standardization of a dataset's samples, fitted on them unless given. The loaders and the
 * server's dataset builder both call these, so a folder and the same samples uploaded by a phone give
 * the same model input (and the same `preprocessing` the phone applies).
 */

/** One mean/std pair over every value (log-mel spectrograms: the phone applies one scalar pair). */
export function standardizeAll(x: Float32Array, given?: { mean: number; std: number }): { mean: number; std: number } {
  const normalization = given ?? meanAndStd(x);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - normalization.mean) / normalization.std;
  return normalization;
}

/** One mean/std per channel of channel-last samples (motion windows: each sensor axis has its own scale). */
export function standardizeChannels(x: Float32Array, channels: number, given?: StandardScaler): StandardScaler {
  const rows = x.length / channels;
  const normalization = given ?? (rows > 0
    ? fitStandardScaler(Array.from({ length: rows }, (_, r) => x.subarray(r * channels, (r + 1) * channels)))
    : { mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(1) });
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - normalization.mean[i % channels]) / normalization.std[i % channels];
  return normalization;
}

function meanAndStd(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = values.length > 0 ? sum / values.length : 0;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, std: Math.sqrt(values.length > 0 ? squares / values.length : 0) || 1 };
}
