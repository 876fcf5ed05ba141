export { buildDataset, type BuildOptions, type DatasetProject } from './build-dataset.ts';
