export { decodeImage } from './decode-image.ts';
export { loadDataset, loadImageFolder } from './load-dataset.ts';
export { loadCsv } from './load-csv.ts';
export { standardizeAll, standardizeChannels } from './standardize.ts';
export { listLabelFolders, IMAGE_EXTENSIONS, FOLDER_KINDS, type LoadedDataset, type LoadOptions, type LoadProgress, type DatasetPreprocessing, type ModalitySpecs, type FolderKind } from './dataset.ts';
// Moved to @offgrid/features (the phone splits CSV lines too); re-exported for existing callers.
export { splitCsvLine } from '@offgrid/features';
