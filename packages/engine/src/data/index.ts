export { decodeImage, MAX_IMAGE_PIXELS } from './decode-image.ts';
export { loadDataset, loadImageFolder, loadCsv, splitCsvLine, IMAGE_EXTENSIONS, type LoadedDataset, type LoadProgress } from './load-dataset.ts';
