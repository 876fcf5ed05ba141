/**
 * User-imported backbones: `importBackbone` checks a TF.js layers model folder or a float .tflite, copies it
 * into `<dataDir>/backbones/<name>/` with a `backbone.json` entry (checksum, input size, normalisation,
 * licence, feature layer); `listBackbones` lists built-in + imported; `loadImportedBackbone` verifies the
 * checksum and loads one. The data directory is the server's (`offgrid serve --data`, default ./offgrid-data).
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { parseModel, pruneTensors, readMetadata, serializeModel, TfliteSession, type TfliteModel } from '@offgrid/tflite';
import { BACKBONES, type Backbone, type BackboneInfo, type ImportedSource } from './backbones.ts';
import type { AnyBackbone, TfliteBackbone } from './embed.ts';

/** Where imported backbones live under a data directory. */
export const backbonesDir = (dataDir: string): string => join(resolve(dataDir), 'backbones');
export const ENTRY_FILE = 'backbone.json';
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** What most exported image backbones expect when nothing says otherwise: inputs in [-1, 1] (Keras applications, TF Hub). */
export const ASSUMED_NORMALIZATION = Object.freeze({ mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] });

export interface ImportOptions {
  /** The server's data directory; the backbone goes to `<dataDir>/backbones/<name>/`. */
  dataDir: string;
  /** Registry name (default: the folder or file name, lower-cased). */
  name?: string;
  /** Model input = (pixel − mean) / std, pixel in 0..255. Default: the model's own (a Rescaling layer, TFLite metadata), else [-1, 1]. */
  normalization?: { mean: number[]; std: number[] };
  license?: string;
  /** TF.js: layer whose output is the embedding; .tflite: tensor name. Default: the input of a softmax classifier top, else the output. */
  featureLayer?: string;
  description?: string;
}

export interface ImportResult {
  info: BackboneInfo;
  /** Defaults that were assumed rather than read from the model (say them to the user). */
  warnings: string[];
}

const sha256 = (parts: readonly Uint8Array[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

/** Every built-in backbone, then every imported one under `dataDir` (when given), by name. */
export async function listBackbones(dataDir?: string): Promise<BackboneInfo[]> {
  const builtIn: BackboneInfo[] = Object.values(BACKBONES);
  if (!dataDir || !existsSync(backbonesDir(dataDir))) return builtIn;
  const names = (await readdir(backbonesDir(dataDir), { withFileTypes: true })).filter((d) => d.isDirectory() && NAME.test(d.name)).map((d) => d.name).sort();
  const imported: BackboneInfo[] = [];
  for (const name of names) {
    const file = join(backbonesDir(dataDir), name, ENTRY_FILE);
    if (existsSync(file)) imported.push(JSON.parse(await readFile(file, 'utf8')) as BackboneInfo);
  }
  return [...builtIn, ...imported];
}

/** Checks and copies a TF.js layers model folder (model.json + weight shards) or a float .tflite into the registry. */
export async function importBackbone(path: string, options: ImportOptions): Promise<ImportResult> {
  const source = resolve(path);
  const kind = await stat(source).catch(() => {
    throw new Error(`${path} does not exist: give a TF.js layers model folder (model.json + weight shards) or a .tflite file.`);
  });
  const isTflite = kind.isFile() && source.toLowerCase().endsWith('.tflite');
  const modelJson = kind.isDirectory() ? join(source, 'model.json') : source.toLowerCase().endsWith('.json') ? source : undefined;
  if (!isTflite && !modelJson) throw new Error(`${path} is neither a TF.js layers model folder (with model.json) nor a .tflite file.`);
  if (modelJson && !existsSync(modelJson)) throw new Error(`${path} has no model.json: a TF.js layers model folder holds model.json and its weight shards.`);

  const name = options.name ?? basename(isTflite ? source.slice(0, -'.tflite'.length) : dirname(modelJson!)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
  if (!NAME.test(name)) throw new Error(`Backbone name "${name}" is not valid: use lower-case letters, digits, ".", "_" and "-" (pass --name).`);
  if (name in BACKBONES) throw new Error(`"${name}" is a built-in backbone; pick another --name.`);
  const target = join(backbonesDir(options.dataDir), name);
  if (existsSync(target)) throw new Error(`A backbone named "${name}" is already imported (${target}); pick another --name or delete that folder.`);
  for (const values of [options.normalization?.mean, options.normalization?.std]) {
    if (values && (values.length !== 1 && values.length !== 3 || values.some((v) => !Number.isFinite(v)))) throw new Error('normalization mean and std need 1 or 3 finite numbers each.');
  }
  if (options.normalization?.std.some((v) => v === 0)) throw new Error('normalization std must not be 0.');

  // Staged under a dot name (never listed: names start with a letter or digit), renamed when complete.
  const staging = join(backbonesDir(options.dataDir), `.${name}.partial-${process.pid}`);
  await mkdir(staging, { recursive: true });
  try {
    const { info, warnings, files } = isTflite ? await inspectTflite(source, name, options) : await inspectLayersModel(modelJson!, name, options);
    for (const [file, bytes] of files) {
      await mkdir(dirname(join(staging, file)), { recursive: true });
      await writeFile(join(staging, file), bytes);
    }
    await writeFile(join(staging, ENTRY_FILE), `${JSON.stringify(info, null, 2)}\n`);
    await rename(staging, target);
    return { info, warnings };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

interface Inspected { info: BackboneInfo; warnings: string[]; files: [string, Uint8Array][] }

const sourceOf = (from: string, files: string[]): ImportedSource => ({ importedFrom: from, files, importedAt: new Date().toISOString() });
const perChannel = (values: number[]): number[] => (values.length === 1 ? [values[0], values[0], values[0]] : [...values]);

function checkImageInput(name: string, shape: readonly (number | null)[]): [number, number, number] {
  const [, h, w, c] = shape;
  if (shape.length !== 4 || !Number.isInteger(h) || !Number.isInteger(w) || c !== 3) {
    throw new Error(`Backbone "${name}" cannot be used: it needs one 4-D image input [batch, height, width, 3] with a fixed size; its input is [${shape.map((d) => d ?? '?').join(', ')}].`);
  }
  return [h as number, w as number, 3];
}

/** A relative shard path inside the folder (no absolute paths or "..": the registry copy must be self-contained). */
function shardPath(folder: string, path: string): string {
  const clean = normalize(path);
  if (isAbsolute(clean) || clean.startsWith('..')) throw new Error(`model.json names weight file "${path}" outside its folder; keep the shards next to model.json.`);
  return join(folder, clean);
}

interface LayersModelJson { format?: string; modelTopology?: { model_config?: unknown; class_name?: string; node?: unknown }; weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] }

async function readLayersModel(modelJson: string): Promise<{ json: LayersModelJson; jsonBytes: Uint8Array; shards: [string, Uint8Array][] }> {
  const jsonBytes = new Uint8Array(await readFile(modelJson));
  let json: LayersModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(jsonBytes)) as LayersModelJson;
  } catch (error) {
    throw new Error(`${modelJson} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (json.format === 'graph-model' || json.modelTopology?.node) {
    throw new Error(`${modelJson} is a TF.js graph model; only layers models (tfjs.converters.save_keras_model / tensorflowjs_converter --output_format tfjs_layers_model) can be imported.`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new Error(`${modelJson} is not a TF.js layers model (modelTopology and weightsManifest are required).`);
  const shards: [string, Uint8Array][] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) {
      const file = shardPath(dirname(modelJson), path);
      if (!existsSync(file)) throw new Error(`Weight shard "${path}" named by model.json is missing next to it.`);
      shards.push([normalize(path), new Uint8Array(await readFile(file))]);
    }
  }
  return { json, jsonBytes, shards };
}

async function layersModelFrom(json: LayersModelJson, shards: readonly [string, Uint8Array][]): Promise<tf.LayersModel> {
  const weightData = new Uint8Array(shards.reduce((n, [, b]) => n + b.length, 0));
  let offset = 0;
  for (const [, bytes] of shards) {
    weightData.set(bytes, offset);
    offset += bytes.length;
  }
  const handler: tf.io.IOHandler = {
    load: async () => ({ modelTopology: json.modelTopology as object, weightSpecs: json.weightsManifest!.flatMap((g) => g.weights), weightData: weightData.buffer }),
  };
  return tf.loadLayersModel(handler);
}

const isClassifierTop = (layer: tf.layers.Layer): boolean => {
  const activation = (layer.getConfig() as { activation?: string }).activation;
  return layer.getClassName() === 'Dense' && (activation === 'softmax' || activation === 'sigmoid') || layer.getClassName() === 'Softmax';
};

/** The trunk: input → feature layer (global average pooled when it is a feature map). */
function trunkOf(full: tf.LayersModel, featureLayer: string, name: string): tf.LayersModel {
  let output = full.getLayer(featureLayer).output as tf.SymbolicTensor;
  if (Array.isArray(output)) throw new Error(`Layer "${featureLayer}" has several outputs; pick a layer with one.`);
  if (output.shape.length === 4) output = tf.layers.globalAveragePooling2d({ name: `${featureLayer}_pool` }).apply(output) as tf.SymbolicTensor;
  if (output.shape.length !== 2) throw new Error(`Layer "${featureLayer}" outputs [${output.shape.map((d) => d ?? '?')}]; the feature must be a vector [batch, features] or a feature map [batch, h, w, c].`);
  const trunk = tf.model({ inputs: full.inputs, outputs: output, name: name.replace(/[^a-zA-Z0-9_]/g, '_') });
  trunk.trainable = false;
  return trunk;
}

async function inspectLayersModel(modelJson: string, name: string, options: ImportOptions): Promise<Inspected> {
  const { json, jsonBytes, shards } = await readLayersModel(modelJson);
  const full = await layersModelFrom(json, shards);
  const warnings: string[] = [];
  try {
    if (full.inputs.length !== 1) throw new Error(`Backbone "${name}" cannot be used: it has ${full.inputs.length} inputs; one image input is needed.`);
    const inputShape = checkImageInput(name, full.inputs[0].shape);
    const last = full.layers[full.layers.length - 1];
    let featureLayer = options.featureLayer;
    if (featureLayer === undefined) {
      let feeding = isClassifierTop(last) ? (last.input as tf.SymbolicTensor).sourceLayer : last;
      // Dropout passes its input through at inference: the feature is the layer before it.
      while (feeding !== last && feeding.getClassName().endsWith('Dropout')) feeding = (feeding.input as tf.SymbolicTensor).sourceLayer;
      featureLayer = feeding.name;
      if (feeding !== last) warnings.push(`Using layer "${featureLayer}" (the input of the classifier top "${last.name}") as the feature; choose another with featureLayer (--feature-layer).`);
    } else if (!full.layers.some((l) => l.name === featureLayer)) {
      throw new Error(`Backbone "${name}" has no layer "${featureLayer}" (last layers: ${full.layers.slice(-5).map((l) => l.name).join(', ')}).`);
    }
    const trunk = trunkOf(full, featureLayer, name);
    const featureSize = trunk.outputs[0].shape[1] as number;
    // A Rescaling layer right after the input means the model takes raw 0..255 pixels.
    const first = full.layers.find((l) => l.getClassName() !== 'InputLayer');
    let normalization = options.normalization && { mean: perChannel(options.normalization.mean), std: perChannel(options.normalization.std) };
    if (!normalization && first?.getClassName() === 'Rescaling') normalization = { mean: [0, 0, 0], std: [1, 1, 1] };
    if (!normalization) {
      normalization = { mean: [...ASSUMED_NORMALIZATION.mean], std: [...ASSUMED_NORMALIZATION.std] };
      warnings.push('The model does not say how pixels are scaled; assumed inputs in [-1, 1] (mean 127.5, std 127.5). Give the normalization if it expects something else (offgrid backbones import: --mean 0 --std 255 for inputs in [0, 1]).');
    }
    const license = options.license ?? 'unknown';
    if (!options.license) warnings.push('No licence given: recorded as "unknown"; give the license (--license) to record it.');
    checkRuns(tf.tidy(() => (trunk.predict(tf.zeros([1, ...inputShape])) as tf.Tensor).dataSync() as Float32Array), featureSize, name);
    const files: [string, Uint8Array][] = [['model.json', jsonBytes], ...shards];
    const info: BackboneInfo = {
      name, description: options.description ?? `TF.js layers model imported from ${modelJson}`, format: 'tfjs-layers',
      source: sourceOf(dirname(modelJson), files.map(([f]) => f)), license,
      sha256: sha256(files.map(([, b]) => b)), inputShape, normalization, featureLayer, featureSize,
      parameters: trunk.countParams(), pretrainedLabels: [],
    };
    // The trunk shares its layers with `full`, disposed below.
    return { info, warnings, files };
  } finally {
    full.dispose();
  }
}

function checkRuns(values: Float32Array, featureSize: number, name: string): void {
  if (values.length !== featureSize) throw new Error(`Backbone "${name}" produced ${values.length} values for one image; expected ${featureSize}.`);
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`Backbone "${name}" produced non-finite features for a blank image; it cannot be used as is.`);
}

/**
 * The float feature model inside a .tflite: its output, or the input of a FULLY_CONNECTED (+ SOFTMAX)
 * classifier top, or the tensor named by `featureTensor` (operators after it are dropped).
 */
function featureModel(model: TfliteModel, featureTensor: string | undefined, name: string, warnings: string[]): TfliteModel {
  let index: number;
  if (featureTensor !== undefined) {
    index = model.tensors.findIndex((t) => t.name === featureTensor);
    if (index < 0) throw new Error(`Backbone "${name}" has no tensor "${featureTensor}".`);
  } else {
    const ops = model.operators;
    const lastOp = ops[ops.length - 1];
    const top = lastOp?.op === 'SOFTMAX' ? ops[ops.length - 2] : undefined;
    if (top?.op !== 'FULLY_CONNECTED') return model;
    index = top.inputs[0];
    warnings.push(`Using tensor "${model.tensors[index].name}" (the input of the classifier top) as the feature; choose another with featureLayer (--feature-layer).`);
  }
  const producer = model.operators.findIndex((op) => op.outputs.includes(index));
  if (producer < 0) throw new Error(`Tensor "${model.tensors[index].name}" is not computed by any operator; pick an activation tensor.`);
  return pruneTensors({ ...model, operators: model.operators.slice(0, producer + 1), outputs: [index] });
}

async function inspectTflite(file: string, name: string, options: ImportOptions): Promise<Inspected> {
  const original = new Uint8Array(await readFile(file));
  if (original.length < 8 || new TextDecoder().decode(original.subarray(4, 8)) !== 'TFL3') throw new Error(`${file} is not a TFLite model (no TFL3 identifier).`);
  let model: TfliteModel;
  try {
    model = parseModel(original);
  } catch (error) {
    throw new Error(`${file} uses something Offgrid's TFLite reader does not know (${(error as Error).message}); export the backbone with the ops in @offgrid/tflite's table, or import it as a TF.js layers model.`, { cause: error });
  }
  const warnings: string[] = [];
  if (model.inputs.length !== 1) throw new Error(`Backbone "${name}" cannot be used: it has ${model.inputs.length} inputs; one image input is needed.`);
  const input = model.tensors[model.inputs[0]];
  const quantized = model.tensors.find((t) => t.dtype === 'int8' || t.dtype === 'uint8' || t.dtype === 'int16');
  if (input.dtype !== 'float32' || quantized) {
    throw new Error(`Backbone "${name}" is a quantized (${quantized?.dtype ?? input.dtype}) model: embeddings and retraining need the float32 .tflite; import that one (int8 comes back at export).`);
  }
  if (input.shape[0] !== 1) throw new Error(`Backbone "${name}" has input batch ${input.shape[0]}; a batch-1 image input [1, height, width, 3] is needed.`);
  const inputShape = checkImageInput(name, input.shape);
  const feature = featureModel(model, options.featureLayer, name, warnings);
  const output = feature.tensors[feature.outputs[0]];
  const featureSize = output.shape[output.shape.length - 1];
  if (output.shape.length !== 2 || output.shape[0] !== 1) {
    throw new Error(`Backbone "${name}" outputs [${output.shape}] (tensor "${output.name}"); a feature vector [1, features] is needed: export it with global pooling, or pick a [1, features] tensor with --feature-layer.`);
  }
  const bytes = feature === model ? original : serializeModel(feature);
  let embedded: Float32Array;
  const session = await TfliteSession.create(bytes);
  try {
    [embedded] = await session.run([new Float32Array(inputShape[0] * inputShape[1] * 3)]);
  } finally {
    session.close();
  }
  checkRuns(embedded, featureSize, name);
  let metadata: ReturnType<typeof readMetadata>['metadata'];
  try {
    metadata = readMetadata(original).metadata;
  } catch {
    metadata = undefined;
  }
  const fromMetadata = metadata?.inputs[0]?.normalization;
  let normalization = options.normalization ?? fromMetadata;
  if (!normalization) {
    normalization = ASSUMED_NORMALIZATION;
    warnings.push('The model has no NormalizationOptions metadata; assumed inputs in [-1, 1] (mean 127.5, std 127.5). Give the normalization if it expects something else (offgrid backbones import: --mean 0 --std 255 for inputs in [0, 1]).');
  }
  const license = options.license ?? metadata?.license ?? 'unknown';
  if (license === 'unknown') warnings.push('No licence given or in the metadata: recorded as "unknown"; give the license (--license) to record it.');
  // Float weights only (an int32 axes or shape constant is not a parameter).
  const parameters = feature.tensors.filter((t, i) => t.data && t.dtype.startsWith('float') && feature.operators.some((op) => op.inputs.includes(i))).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const info: BackboneInfo = {
    name, description: options.description ?? `Float TFLite model imported from ${file}`, format: 'tflite',
    source: sourceOf(file, ['model.tflite']), license, sha256: sha256([bytes]), inputShape,
    normalization: { mean: perChannel(normalization.mean), std: perChannel(normalization.std) },
    featureLayer: output.name, featureSize, parameters, pretrainedLabels: [],
  };
  return { info, warnings, files: [['model.tflite', bytes]] };
}

async function readEntry(dataDir: string, name: string): Promise<BackboneInfo> {
  const file = join(backbonesDir(dataDir), name, ENTRY_FILE);
  if (!NAME.test(name) || !existsSync(file)) {
    const known = (await listBackbones(dataDir)).map((b) => b.name);
    throw new Error(`Unknown backbone "${name}" (known: ${known.join(', ')}); import one with \`offgrid backbones import <path> --data ${dataDir}\`.`);
  }
  return JSON.parse(await readFile(file, 'utf8')) as BackboneInfo;
}

/** Loads an imported backbone after checking its files against the recorded sha256. */
export async function loadImportedBackbone(name: string, dataDir: string): Promise<AnyBackbone> {
  const info = await readEntry(dataDir, name);
  const folder = join(backbonesDir(dataDir), name);
  const source = info.source as ImportedSource;
  const files = await Promise.all(source.files.map(async (f) => [f, new Uint8Array(await readFile(shardPath(folder, f)))] as [string, Uint8Array]));
  const actual = sha256(files.map(([, b]) => b));
  if (actual !== info.sha256) throw new Error(`Backbone "${name}" files in ${folder} have sha256 ${actual}; expected ${info.sha256}. Import it again.`);
  if (info.format === 'tflite') {
    const bytes = files[0][1];
    return { info, bytes, session: await TfliteSession.create(bytes) } satisfies TfliteBackbone;
  }
  const [, ...shards] = files;
  const full = await layersModelFrom(JSON.parse(new TextDecoder().decode(files[0][1])) as LayersModelJson, shards);
  full.trainable = false;
  return { info, model: trunkOf(full, info.featureLayer, name), pretrained: full } satisfies Backbone;
}
