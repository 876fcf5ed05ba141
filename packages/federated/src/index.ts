// @offgrid/federated: the math of on-device head training and federated averaging, shared by the phone
// app (browser) and the server (Node). Plain TypeScript over typed arrays; no Node or DOM APIs.

// The head: one dense layer, TFLite FULLY_CONNECTED layout.
export type { Head, HeadEvaluation } from './head.ts';
export { createHead, cloneHead, validateHead, headLogits, headProbabilities, evaluateHead, logitRange } from './head.ts';

// On the phone: train the head on local embeddings.
export type { TrainHeadData, TrainHeadOptions, TrainHeadProgress, TrainHeadResult } from './train-head.ts';
export { trainHead, headLossGradient, TRAIN_HEAD_DEFAULTS } from './train-head.ts';

// What travels: the update (trained − base) and heads, as base64 float32.
export type { EncodedHead } from './update.ts';
export { HEAD_FORMAT, deltaLength, headDelta, applyDelta, l2Norm, clipToNorm, encodeFloats, decodeFloats, encodeHead, decodeHead } from './update.ts';

// On the server: check, clip and average the updates (FedAvg, DP-FedAvg).
export type { UpdateCheck, ClientUpdate, FederatedAverageOptions, FederatedAverageResult } from './fedavg.ts';
export { checkUpdate, federatedAverage, addGaussianNoise, cryptoRandom } from './fedavg.ts';

// The privacy accountant: (ε, δ) of the noised rounds.
export type { GaussianPrivacy } from './accountant.ts';
export { gaussianEpsilon, gaussianRdp, noiseMultiplierFor } from './accountant.ts';
