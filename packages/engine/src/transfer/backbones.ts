/**
 * Pretrained backbones for transfer learning, loaded offline from npm packages through a custom
 * tfjs IOHandler (no fetch, no file:// URLs). One frozen registry records where each comes from,
 * its checksum, input size, normalisation and licence; loading verifies the checksum.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { AnyBackbone } from './embed.ts';

/** A built-in backbone: weights shipped in an npm package. */
export interface NpmSource { package: string; version: string; files: string[] }

/** An imported backbone: copied into `<dataDir>/backbones/<name>/` (files relative to that folder). */
export interface ImportedSource { importedFrom: string; files: string[]; importedAt: string }

export interface BackboneInfo {
  name: string;
  description: string;
  /** How the weights are stored: a TF.js layers model, or a float .tflite run in LiteRT.js. */
  format: 'tfjs-layers' | 'tflite';
  /** npm package and version the weights ship in (built-in), or where an imported backbone came from. */
  source: NpmSource | ImportedSource;
  license: string;
  /** sha256 of the decoded weight bytes (imported: of the stored files in order), checked on every load. */
  sha256: string;
  /** [height, width, channels] the backbone takes. */
  inputShape: [number, number, number];
  /** Model input = (pixel − mean) / std, pixel in 0..255 RGB. */
  normalization: { mean: number[]; std: number[] };
  /** Layer (TF.js) or tensor (.tflite) whose output is the embedding, and its size (a feature map is globally average-pooled). */
  featureLayer: string;
  featureSize: number;
  parameters: number;
  /** Class names of the pretrained top as shipped (output order), for the full model in `Backbone.pretrained`; empty when unknown. */
  pretrainedLabels: readonly string[];
}

export const BACKBONES = Object.freeze({
  'mobilenet-v2-nsfwjs': Object.freeze<BackboneInfo>({
    name: 'mobilenet-v2-nsfwjs',
    description: 'Keras MobileNetV2 (alpha 1.0) trunk bundled with nsfwjs; top trained for NSFW classes, so use the 1280-d pooled feature only. Best on natural photos.',
    format: 'tfjs-layers',
    source: { package: 'nsfwjs', version: '4.4.0', files: ['dist/models/mobilenet_v2/model.min.js', 'dist/models/mobilenet_v2/group1-shard1of1.min.js'] },
    license: 'MIT',
    sha256: '8e7dddbb16acacc1bf1601b1b8a761e730ff934b7f2d7771312b2f000e5f5f13',
    inputShape: [224, 224, 3],
    normalization: { mean: [0, 0, 0], std: [255, 255, 255] },
    featureLayer: 'flatten_1',
    featureSize: 1280,
    parameters: 2257984,
    pretrainedLabels: Object.freeze(['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']),
  }),
});

export type BackboneName = keyof typeof BACKBONES;

export interface Backbone {
  info: BackboneInfo;
  /** The frozen trunk: input [batch, ...inputShape] → [batch, featureSize]. */
  model: tf.LayersModel;
  /** The full model as shipped (trunk + its own top, softmax over `info.pretrainedLabels`); shares the trunk's weights. */
  pretrained: tf.LayersModel;
}

/** Loads a UMD bundle that lives in a `"type": "module"` package as CommonJS (a plain require refuses it). */
function loadCommonJs(file: string): unknown {
  const m = new Module(file) as Module & { _compile(source: string, filename: string): void };
  m.filename = file;
  m._compile(readFileSync(file, 'utf8'), file);
  return m.exports;
}

function packageRoot(name: string): string {
  const require = createRequire(import.meta.url);
  // Packages with an "exports" map hide package.json; walk up from the resolved entry instead.
  let dir = dirname(require.resolve(name));
  while (!dir.endsWith(`node_modules/${name}`) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const loaded = new Map<string, Promise<AnyBackbone>>();

/**
 * Loads (once per thread) and verifies a backbone; the model is shared, so do not dispose it. Built-in names need
 * nothing else; an imported backbone (`offgrid backbones import`) needs the data directory it was imported into.
 */
export function loadBackbone(name?: BackboneName): Promise<Backbone>;
export function loadBackbone(name: string, options: { dataDir: string }): Promise<AnyBackbone>;
export function loadBackbone(name: string = 'mobilenet-v2-nsfwjs', options?: { dataDir: string }): Promise<AnyBackbone> {
  const info: BackboneInfo | undefined = (BACKBONES as Record<string, BackboneInfo>)[name];
  if (!info && !options?.dataDir) return Promise.reject(new Error(`Unknown backbone "${name}" (built in: ${Object.keys(BACKBONES).join(', ')}; imported backbones need the data directory: loadBackbone(name, { dataDir }).`));
  const key = info ? name : `${resolve(options!.dataDir)}|${name}`;
  let promise = loaded.get(key);
  if (!promise) {
    // The registry module is loaded only for imported backbones (and it imports this one: no static cycle).
    promise = info ? loadBuiltIn(name, info) : import('./registry.ts').then((r) => r.loadImportedBackbone(name, options!.dataDir));
    promise.catch(() => loaded.delete(key));
    loaded.set(key, promise);
  }
  return promise;
}

async function loadBuiltIn(name: string, info: BackboneInfo): Promise<Backbone> {
  const source = info.source as NpmSource;
  let root: string;
  try {
    root = packageRoot(source.package);
  } catch {
    throw new Error(`Backbone "${name}" needs the npm package ${source.package}@${source.version}; install it with \`npm install ${source.package}@${source.version} -w @offgrid/engine\`.`);
  }
  const [topologyFile, weightsFile] = source.files.map((f) => join(root, f));
  const { modelTopology, weightsManifest } = loadCommonJs(topologyFile) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const weightData = new Uint8Array(Buffer.from(loadCommonJs(weightsFile) as string, 'base64'));
  const sha256 = createHash('sha256').update(weightData).digest('hex');
  if (sha256 !== info.sha256) throw new Error(`Backbone "${name}" weights have sha256 ${sha256}; expected ${info.sha256}. Reinstall ${source.package}@${source.version}.`);
  const handler: tf.io.IOHandler = {
    load: async () => ({ modelTopology, weightSpecs: weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer as ArrayBuffer }),
  };
  const full = await tf.loadLayersModel(handler);
  const model = tf.model({ inputs: full.inputs, outputs: full.getLayer(info.featureLayer).output as tf.SymbolicTensor, name: name.replace(/-/g, '_') });
  model.trainable = false;
  full.trainable = false;
  return { info, model, pretrained: full };
}
