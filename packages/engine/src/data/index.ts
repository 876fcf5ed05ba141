// @offgrid/engine/data: datasets from files (what `offgrid train` reads) and the image decoder and
// normalization the server's dataset builder shares with it.
export { loadDataset } from './load-dataset.ts';
export type { LoadedDataset, LoadOptions, LoadProgress, ModalitySpecs, SampleGrouping } from './dataset.ts';
export { groupByPattern } from './group-by.ts';
export { decodeImage } from './decode-image.ts';
export { standardizeAll, standardizeChannels } from './standardize.ts';
