/**
 * Federated rounds on real data (issue 21, bench/federated/RESULTS.md): a base model trained by `offgrid train` on a
 * seed share of Fashion-MNIST, its int8 trunk run with LiteRT.js over the phones' disjoint shares and the official
 * test set, then FedAvg over the head (`trainHead`, `federatedAverage` of @offgrid/federated, as the phones and the
 * server run them), IID and non-IID, against centralized training on the union, the base head and each phone alone;
 * DP-FedAvg with the (ε, δ) of `gaussianEpsilon`; the bytes of each update against the phone's PNG files; the time of
 * one local epoch in Node and in headless Chromium.
 *   node --import tsx bench/federated/rounds.ts [--quick] [--model <dir of an earlier offgrid train>] [--json out.json] [--no-browser]
 * Needs Debian's dataset-fashion-mnist; the browser part needs /usr/bin/chromium (CHROMIUM_PATH).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { createRandom } from '@offgrid/features';
import {
  encodeFloats, encodeHead, evaluateHead, federatedAverage, gaussianEpsilon, headDelta, trainHead, type ClientUpdate, type Head,
} from '@offgrid/federated';
import { classifierTrunk, parseModel, readClassifierHead, serializeModel } from '@offgrid/tflite';
import type { TrainReport } from '@offgrid/pipeline';
import { FASHION_MNIST_LABELS, readFashionMnist, stratifiedOrder } from '../automl/fashion-mnist-data.ts';
import { folderOf, grayPng, writePngFolders } from '../automl/png-folders.ts';
import { embed, subset, type Embedded } from './data.ts';
import { timeEpochs } from './page-train.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false }, model: { type: 'string' }, json: { type: 'string' }, 'no-browser': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const config = quick
  ? { seedImages: 1000, budget: '30s', validation: 500, phones: 4, perPhone: 500, test: 2000, rounds: 5, pool: 2000, simulated: [20], dpSeeds: 1, sweep: false }
  : { seedImages: 1500, budget: '60s', validation: 2000, phones: 4, perPhone: 2000, test: 10000, rounds: 10, pool: 20000, simulated: [20, 100], dpSeeds: 3, sweep: true };
const DELTA = 1e-5;
const FAST = 1e9; // yieldEveryMs for the simulation: no macrotask between batches (the timing measurements keep the default)
const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
const startedAt = new Date();
const log = (message: string) => console.error(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s] ${message}`);
const out: string[] = [];
const print = (line = '') => { out.push(line); console.log(line); };
const pct = (x: number) => (100 * x).toFixed(1);

// ---- Disjoint shares of the training split (stratified order: every share has the 10 classes equally) ----
const train = readFashionMnist('train');
const test = readFashionMnist('t10k');
const order = stratifiedOrder(train.labels, 21);
let cursor = 0;
const take = (n: number) => order.slice(cursor, (cursor += n));
const seedIndices = take(config.seedImages);
const validationIndices = take(config.validation);
const phoneIndices = take(config.phones * config.perPhone);
const poolIndices = take(config.pool);
const testIndices = stratifiedOrder(test.labels, 7).slice(0, config.test);

// ---- 1. The base model: offgrid train on the seed share's PNG folders ----
let modelDir = values.model;
let trainSeconds: number | undefined;
if (!modelDir) {
  const folder = join(tmpdir(), `offgrid-fed-seed-${config.seedImages}`);
  await writePngFolders(train, folder, seedIndices);
  modelDir = mkdtempSync(join(tmpdir(), 'offgrid-fed-model-'));
  log(`offgrid train ${folder} --budget ${config.budget}`);
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['packages/cli/bin/offgrid.mjs', 'train', folder, '--out', modelDir!, '--budget', config.budget, '--seed', '0'], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (status) => resolve(status ?? 1));
  });
  trainSeconds = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`offgrid train exited with ${code}`);
}
const report = JSON.parse(readFileSync(join(modelDir, 'report.json'), 'utf8')) as TrainReport;
const spec = report.input.preprocessing?.image;
if (!spec) throw new Error('report.json has no image preprocessing');
const classOf = FASHION_MNIST_LABELS.map((label) => report.labels.indexOf(folderOf(label)));
if (classOf.includes(-1)) throw new Error(`the model's labels ${report.labels.join(', ')} are not Fashion-MNIST's`);
const files = { int8: readFileSync(join(modelDir, 'model.tflite')), float32: readFileSync(join(modelDir, 'model_float32.tflite')) };
// As the server ships them (packages/server/src/federated/model-parts.ts): the head from the float32 file, a trunk per file.
const base: Head = readClassifierHead(parseModel(files.float32));
const trunks = { int8: serializeModel(classifierTrunk(parseModel(files.int8))), float32: serializeModel(classifierTrunk(parseModel(files.float32))) };

// ---- 2. Embeddings through the int8 trunk (and the float32 trunk for the phones and the test set) ----
log('embedding');
const embedded = async (trunk: Uint8Array, images: typeof train, indices: number[]) => embed(trunk, images, indices, spec, classOf);
const phonesAll = await embedded(trunks.int8, train, phoneIndices);
const testSet = await embedded(trunks.int8, test, testIndices);
const validation = await embedded(trunks.int8, train, validationIndices);
const pool = await embedded(trunks.int8, train, poolIndices);
const phonesFloat = await embedded(trunks.float32, train, phoneIndices);
const testFloat = await embedded(trunks.float32, test, testIndices);
const embedSeconds = [phonesAll, testSet, validation, pool].reduce((s, e) => s + e.seconds, 0);
const embedCount = phoneIndices.length + testIndices.length + validationIndices.length + poolIndices.length;
log(`embedding size ${phonesAll.size}; int8 trunk ${embedSeconds.toFixed(1)} s for ${embedCount} images (0 = cached)`);

// ---- Phone shares: IID (a seeded shuffle dealt equally) and non-IID (each phone sees 4 of the 10 labels) ----
const rows = Array.from({ length: phoneIndices.length }, (_, i) => i);
const shuffled = shuffle(rows.slice(), 5);
const iidRows = Array.from({ length: config.phones }, (_, k) => shuffled.slice(k * config.perPhone, (k + 1) * config.perPhone));
/** Phone k sees official labels 3k … 3k+3 (mod 10); a label two phones see is split between them, so the union is the same 8,000 images. */
const nonIidLabels = Array.from({ length: config.phones }, (_, k) => [0, 1, 2, 3].map((j) => (3 * k + j) % 10));
const nonIidRows: number[][] = nonIidLabels.map(() => []);
for (let label = 0; label < 10; label++) {
  const holders = nonIidLabels.flatMap((labels, k) => (labels.includes(label) ? [k] : []));
  const members = rows.filter((row) => train.labels[phoneIndices[row]] === label);
  members.forEach((row, i) => nonIidRows[holders[i % holders.length]].push(row));
}
const shares = { IID: iidRows, 'non-IID': nonIidRows } as const;

// ---- The round machinery ----
interface Settings { epochs: number; learningRate: number; batchSize: number }
interface RoundsResult { accuracy: number[]; norms: number[][]; clipped: number; updates: number; bodyBytes: number[]; kept: number }
const MODEL_ID = '3f0c8a4e-6d1b-4c2a-9e57-0b8d2f6a1c93'; // a model id as long as the server's (a UUID)

async function rounds(phones: Embedded[], settings: Settings, options: { rounds: number; clipNorm: number; noiseMultiplier?: number; noiseSeed?: number; evaluateOn: Embedded; proximal?: number; gate?: Embedded; ownLabelsOnly?: boolean }): Promise<RoundsResult> {
  let head = base;
  // The server's decision (docs/federated.md, step 4): the average becomes the next base only if it does better on
  // held-out data; here the validation share stands for the phones' held-out samples.
  const gateScore = (h: Head) => (options.gate ? evaluateHead(h, options.gate.embeddings, options.gate.targets).correct : 0);
  let headScore = gateScore(head);
  let kept = 0;
  const accuracy = [evaluateHead(head, options.evaluateOn.embeddings, options.evaluateOn.targets).accuracy];
  const norms: number[][] = [];
  const bodyBytes: number[] = [];
  let clipped = 0;
  let updates = 0;
  const noise = createRandom(options.noiseSeed ?? 1);
  for (let round = 1; round <= options.rounds; round++) {
    const sent: ClientUpdate[] = [];
    for (const [k, phone] of phones.entries()) {
      const trained = await trainHead(head, phone, { ...settings, proximal: options.proximal, seed: 1000 * round + k, yieldEveryMs: FAST });
      const delta = headDelta(head, trained.head);
      // A variant outside the protocol: the phone sends only the rows (and biases) of the labels it holds.
      if (options.ownLabelsOnly) {
        const held = new Set(phone.targets);
        for (let c = 0; c < head.numClasses; c++) {
          if (held.has(c)) continue;
          delta.fill(0, c * head.inputSize, (c + 1) * head.inputSize);
          delta[head.numClasses * head.inputSize + c] = 0;
        }
      }
      sent.push({ delta, sampleCount: phone.targets.length });
      if (round === 1) bodyBytes.push(Buffer.byteLength(JSON.stringify({ baseModelId: MODEL_ID, sampleCount: phone.targets.length, delta: encodeFloats(delta) })));
    }
    const average = federatedAverage(head, sent, { clipNorm: options.clipNorm, noiseMultiplier: options.noiseMultiplier ?? 0, random: noise });
    norms.push(average.norms);
    clipped += average.clipped.filter(Boolean).length;
    updates += sent.length;
    const score = gateScore(average.head);
    if (!options.gate || score > headScore) [head, headScore, kept] = [average.head, score, kept + 1];
    accuracy.push(evaluateHead(head, options.evaluateOn.embeddings, options.evaluateOn.targets).accuracy);
  }
  return { accuracy, norms, clipped, updates, bodyBytes, kept };
}

/** Centralized training on the union: the same trainHead from the base head, E epochs per "round", evaluated after each. */
async function centralized(union: Embedded, settings: Settings, roundCount: number, evaluateOn: Embedded): Promise<number[]> {
  let head = base;
  const accuracy = [evaluateHead(head, evaluateOn.embeddings, evaluateOn.targets).accuracy];
  for (let round = 1; round <= roundCount; round++) {
    head = (await trainHead(head, union, { ...settings, seed: round, yieldEveryMs: FAST })).head;
    accuracy.push(evaluateHead(head, evaluateOn.embeddings, evaluateOn.targets).accuracy);
  }
  return accuracy;
}

const SERVER_CLIP = 5; // the server's default clipNorm (packages/server/src/federated/schemas.ts)
const phoneSets = (set: Embedded, split: number[][]) => split.map((r) => subset(set, r));

// ---- 3a. A short sweep of E, lr and batch, scored on the validation share (never the test set) ----
// Each share (IID, non-IID) gets the settings that did best on it; centralized training gets the best lr and batch
// at the same E (the same epochs per round: each phone and the central trainer see their data E times a round).
type ShareName = keyof typeof shares;
interface SweepPoint { settings: Settings; IID: number; 'non-IID': number; central: number }
const defaults: Settings = { epochs: 2, learningRate: 0.01, batchSize: 32 };
const sweep: SweepPoint[] = [];
if (config.sweep) {
  log('sweep');
  for (const epochs of [1, 2, 5]) {
    for (const learningRate of [0.003, 0.01, 0.03, 0.1]) {
      for (const batchSize of [16, 64]) {
        const settings = { epochs, learningRate, batchSize };
        const score = async (split: number[][]) => (await rounds(phoneSets(phonesAll, split), settings, { rounds: 5, clipNorm: SERVER_CLIP, evaluateOn: validation })).accuracy[5];
        sweep.push({ settings, IID: await score(iidRows), 'non-IID': await score(nonIidRows), central: (await centralized(phonesAll, settings, 5, validation))[5] });
      }
    }
  }
}
const best = (points: SweepPoint[], key: 'IID' | 'non-IID' | 'central') => points.reduce((top, p) => (p[key] > top[key] ? p : top)).settings;
const chosenFor: Record<ShareName, Settings> = sweep.length ? { IID: best(sweep, 'IID'), 'non-IID': best(sweep, 'non-IID') } : { IID: defaults, 'non-IID': defaults };
const centralFor = (settings: Settings) => (sweep.length ? best(sweep.filter((p) => p.settings.epochs === settings.epochs), 'central') : settings);
const describe = (s: Settings) => `E=${s.epochs}, lr=${s.learningRate}, batch=${s.batchSize}`;

// FedProx μ for the non-IID shares (a pull toward the round's base against client drift), chosen on validation too.
let proximal = 0.1;
const proxLines: string[] = [];
if (config.sweep) {
  let top = -1;
  for (const mu of [0.01, 0.1, 1]) {
    const score = (await rounds(phoneSets(phonesAll, nonIidRows), chosenFor['non-IID'], { rounds: 5, clipNorm: SERVER_CLIP, evaluateOn: validation, proximal: mu })).accuracy[5];
    proxLines.push(`μ=${mu}: ${pct(score)}`);
    if (score > top) [top, proximal] = [score, mu];
  }
}

// ---- 3b. Rounds: FedAvg IID and non-IID against centralized, the base head and each phone alone ----
log(`rounds: IID ${describe(chosenFor.IID)}; non-IID ${describe(chosenFor['non-IID'])}`);
const baseAccuracy = { int8: evaluateHead(base, testSet.embeddings, testSet.targets).accuracy, float32: evaluateHead(base, testFloat.embeddings, testFloat.targets).accuracy };
const fed = {} as Record<ShareName, RoundsResult>;
const central = {} as Record<ShareName, number[]>;
const alone = {} as Record<ShareName, number[]>;
for (const name of Object.keys(shares) as ShareName[]) {
  const split = shares[name];
  const settings = chosenFor[name];
  fed[name] = await rounds(phoneSets(phonesAll, split), settings, { rounds: config.rounds, clipNorm: SERVER_CLIP, evaluateOn: testSet });
  central[name] = await centralized(phonesAll, centralFor(settings), config.rounds, testSet);
  alone[name] = [];
  // Alone: the same local compute as over all the rounds (E × rounds epochs), from the base head, on its own share.
  for (const phone of phoneSets(phonesAll, split)) {
    alone[name].push(evaluateHead((await trainHead(base, phone, { ...settings, epochs: settings.epochs * config.rounds, seed: 3, yieldEveryMs: FAST })).head, testSet.embeddings, testSet.targets).accuracy);
  }
}
const fedProx = await rounds(phoneSets(phonesAll, nonIidRows), chosenFor['non-IID'], { rounds: config.rounds, clipNorm: SERVER_CLIP, evaluateOn: testSet, proximal });
const fedOwn = await rounds(phoneSets(phonesAll, nonIidRows), chosenFor['non-IID'], { rounds: config.rounds, clipNorm: SERVER_CLIP, evaluateOn: testSet, ownLabelsOnly: true });
const fedFloat = await rounds(phoneSets(phonesFloat, iidRows), chosenFor.IID, { rounds: config.rounds, clipNorm: SERVER_CLIP, evaluateOn: testFloat });
const centralFloat = await centralized(phonesFloat, centralFor(chosenFor.IID), config.rounds, testFloat);

// ---- 4. DP-FedAvg: 4 phones, then many simulated phones (IID shares of the pool) ----
log('DP');
const medianNorm = (r: RoundsResult) => median(r.norms[0]);
interface DpRow { setting: string; phones: number; perPhone: string; z: number; clipNorm: number; noiseStd: number; accuracy: number[]; gated: number; kept: number; epsilon: number }
const dpRows: DpRow[] = [];
async function dp(setting: string, phones: Embedded[], zs: number[], chosen: Settings) {
  const plain = await rounds(phones, chosen, { rounds: config.rounds, clipNorm: 1e6, evaluateOn: testSet });
  const clipNorm = Number(medianNorm(plain).toPrecision(2));
  for (const z of zs) {
    const runs: number[][] = [];
    const gated: RoundsResult[] = [];
    const seeds = z === 0 ? 1 : config.dpSeeds;
    for (let s = 0; s < seeds; s++) {
      runs.push((await rounds(phones, chosen, { rounds: config.rounds, clipNorm, noiseMultiplier: z, noiseSeed: 100 + s, evaluateOn: testSet })).accuracy);
      gated.push(await rounds(phones, chosen, { rounds: config.rounds, clipNorm, noiseMultiplier: z, noiseSeed: 100 + s, evaluateOn: testSet, gate: validation }));
    }
    const accuracy = runs[0].map((_, r) => runs.reduce((sum, run) => sum + run[r], 0) / runs.length);
    const gatedFinal = gated.reduce((sum, run) => sum + run.accuracy[config.rounds], 0) / seeds;
    const kept = gated.reduce((sum, run) => sum + run.kept, 0) / seeds;
    const sizes = phones.map((p) => p.targets.length);
    dpRows.push({ setting, phones: phones.length, perPhone: Math.min(...sizes) === Math.max(...sizes) ? `${sizes[0]}` : `${Math.min(...sizes)}–${Math.max(...sizes)}`, z, clipNorm, noiseStd: (z * clipNorm) / phones.length, accuracy, gated: gatedFinal, kept, epsilon: gaussianEpsilon({ noiseMultiplier: z, rounds: config.rounds, delta: DELTA }).epsilon });
  }
}
await dp('IID', phoneSets(phonesAll, iidRows), [0, 0.5, 1], chosenFor.IID);
await dp('non-IID', phoneSets(phonesAll, nonIidRows), [0, 0.5, 1], chosenFor['non-IID']);
for (const count of config.simulated) {
  const per = Math.floor(pool.targets.length / count);
  const poolRows = shuffle(Array.from({ length: pool.targets.length }, (_, i) => i), 9);
  await dp('IID (pool)', Array.from({ length: count }, (_, k) => subset(pool, poolRows.slice(k * per, (k + 1) * per))), [0, 0.5, 1, 2, 5], chosenFor.IID);
}

// ---- 5. Bytes: the update body against the phone's PNG files ----
log('bytes');
const pngBytes: number[] = [];
for (const split of [iidRows, nonIidRows]) {
  for (const share of split) {
    let sum = 0;
    for (const row of share) sum += (await grayPng(train, phoneIndices[row])).byteLength;
    pngBytes.push(sum);
  }
}
const headJsonBytes = Buffer.byteLength(JSON.stringify(encodeHead(base)));

// ---- 6. One local epoch: Node, then headless Chromium (the same code bundled) ----
log('epoch timing');
const phone0 = subset(phonesAll, iidRows[0]);
const timingArgs = [
  { inputSize: base.inputSize, numClasses: base.numClasses, weights: Array.from(base.weights), bias: Array.from(base.bias) },
  Array.from(phone0.embeddings), Array.from(phone0.targets), { ...chosenFor.IID, epochs: 20 },
] as const;
const nodeTiming = await timeEpochs(...timingArgs);
let browserTiming: Awaited<ReturnType<typeof timeEpochs>> | undefined;
if (!values['no-browser']) {
  const entry = fileURLToPath(new URL('./page-train.ts', import.meta.url));
  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'iife', globalName: 'offgridBench', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><title>head training</title>');
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    type Bench = { offgridBench: { timeEpochs: typeof timeEpochs } };
    browserTiming = await page.evaluate((args) => (window as unknown as Bench).offgridBench.timeEpochs(...args), timingArgs);
  } finally {
    await browser.close();
  }
}

// ---- Tables ----
const totalSeconds = (Date.now() - startedAt.getTime()) / 1000;
print(`Command: \`node --import tsx bench/federated/rounds.ts${quick ? ' --quick' : ''}${values.model ? ` --model ${values.model}` : ''}\``);
print(`Machine: ${cpus()[0]?.model} × ${cpus().length} (nproc), Node ${process.version}; load average before ${loadBefore}; ${startedAt.toISOString()}; whole run ${totalSeconds.toFixed(0)} s.`);
print();
print(`Base model: \`offgrid train\` on ${config.seedImages} seed images (PNG label folders), budget ${config.budget}${trainSeconds ? `, wall ${trainSeconds.toFixed(0)} s` : ''}: winner **${report.winner.family}** ${report.winner.epochs} ep${report.winner.retrained ? ' (retrained)' : ''}, ${report.trials.length} trials; input ${report.input.shape.join('×')}, preprocessing ${JSON.stringify(spec)}.`);
print(`Head ${base.numClasses}×${base.inputSize} (+${base.numClasses} bias) = ${base.numClasses * (base.inputSize + 1)} parameters; trunks: int8 ${trunks.int8.byteLength} B, float32 ${trunks.float32.byteLength} B. Embedding with the int8 trunk: ${embedSeconds ? `${((1000 * embedSeconds) / embedCount).toFixed(2)} ms an image` : 'cached'}.`);
print(`Shares: validation ${config.validation}, ${config.phones} phones × ${config.perPhone} (IID) or 4 labels each (non-IID: ${nonIidRows.map((r, k) => `phone ${k}: labels ${nonIidLabels[k].join(',')}, ${r.length} images`).join('; ')}), pool ${config.pool}; test ${config.test} of t10k (stratified).`);
print();
if (sweep.length) {
  print('Sweep (validation accuracy after 5 rounds; centralized = 5·E epochs on the union):');
  print();
  print('| E | lr | batch | FedAvg IID | FedAvg non-IID | centralized |');
  print('|---|---|---|---|---|---|');
  for (const p of sweep) print(`| ${p.settings.epochs} | ${p.settings.learningRate} | ${p.settings.batchSize} | ${pct(p.IID)} | ${pct(p['non-IID'])} | ${pct(p.central)} |`);
  print();
}
if (proxLines.length) print(`FedProx on the non-IID shares (validation after 5 rounds): ${proxLines.join(', ')}.`);
print(`Chosen: IID ${describe(chosenFor.IID)} (centralized ${describe(centralFor(chosenFor.IID))}); non-IID ${describe(chosenFor['non-IID'])} (centralized ${describe(centralFor(chosenFor['non-IID']))}). Clip ${SERVER_CLIP} (server default): ${fed.IID.clipped}/${fed.IID.updates} IID and ${fed['non-IID'].clipped}/${fed['non-IID'].updates} non-IID updates clipped; median norm round 1 IID ${median(fed.IID.norms[0]).toFixed(3)}, non-IID ${median(fed['non-IID'].norms[0]).toFixed(3)}.`);
print();
print(`Test accuracy (%) after each round (round 0 = the base head: ${pct(baseAccuracy.int8)} on the int8 trunk, ${pct(baseAccuracy.float32)} on the float32 trunk); gap = centralized − FedAvg, points:`);
print();
print(`| round | FedAvg IID | centralized, E=${chosenFor.IID.epochs}/round | gap | FedAvg non-IID | non-IID, FedProx μ=${proximal} | non-IID, own labels' rows only | centralized, E=${chosenFor['non-IID'].epochs}/round | gap | FedAvg IID, float32 trunk | centralized, float32 trunk |`);
print('|---|---|---|---|---|---|---|---|---|---|---|');
for (let r = 0; r <= config.rounds; r++) {
  print(`| ${r} | ${pct(fed.IID.accuracy[r])} | ${pct(central.IID[r])} | ${pct(central.IID[r] - fed.IID.accuracy[r])} | ${pct(fed['non-IID'].accuracy[r])} | ${pct(fedProx.accuracy[r])} | ${pct(fedOwn.accuracy[r])} | ${pct(central['non-IID'][r])} | ${pct(central['non-IID'][r] - fed['non-IID'].accuracy[r])} | ${pct(fedFloat.accuracy[r])} | ${pct(centralFloat[r])} |`);
}
print();
const within = (name: ShareName, points: number) => {
  const gaps = fed[name].accuracy.map((a, r) => central[name][r] - a);
  const from = gaps.findIndex((_, r) => r > 0 && gaps.slice(r).every((g) => g <= points / 100));
  return from < 0 ? 'never' : `from round ${from} on`;
};
print(`Goals: IID within 2 points of centralized ${within('IID', 2)}; non-IID within 5 points ${within('non-IID', 5)}.`);
print();
print(`Each phone alone (E × ${config.rounds} epochs from the base head on its own share, the same local compute as all the rounds): IID ${alone.IID.map(pct).join(', ')}; non-IID ${alone['non-IID'].map(pct).join(', ')}.`);
print();
print(`DP-FedAvg (clip C = median round-1 norm without clipping; noise std z·C/m per coordinate; accuracy mean of ${config.dpSeeds} noise seed(s); ε at δ = ${DELTA} for ${config.rounds} rounds, RDP accountant, no sampling amplification). "Gated": the server keeps an average as the next base only if it beats the current one on held-out data (the validation share here), test accuracy of the head kept after the last round and how many of the averages were kept:`);
print();
print(`| data | phones × images | z | C | noise std | round 1 | round ${Math.ceil(config.rounds / 2)} | round ${config.rounds} | round ${config.rounds}, gated (averages kept) | ε |`);
print('|---|---|---|---|---|---|---|---|---|---|');
for (const row of dpRows) {
  print(`| ${row.setting} | ${row.phones} × ${row.perPhone} | ${row.z} | ${row.clipNorm} | ${row.noiseStd.toPrecision(2)} | ${pct(row.accuracy[1])} | ${pct(row.accuracy[Math.ceil(config.rounds / 2)])} | ${pct(row.accuracy[config.rounds])} | ${pct(row.gated)} (${row.kept.toFixed(1)}) | ${Number.isFinite(row.epsilon) ? row.epsilon.toFixed(1) : '∞'} |`);
}
print();
const body = fed.IID.bodyBytes.concat(fed['non-IID'].bodyBytes);
print('Bytes per phone per round (update body `{ baseModelId, sampleCount, delta }`, delta base64 float32) vs the phone\'s PNG files:');
print();
print('| share | phone | images | PNG bytes | update body bytes | ratio |');
print('|---|---|---|---|---|---|');
['IID', 'non-IID'].forEach((name, s) => shares[name as keyof typeof shares].forEach((share, k) => {
  const i = s * config.phones + k;
  print(`| ${name} | ${k} | ${share.length} | ${pngBytes[i]} | ${body[i]} | ${(pngBytes[i] / body[i]).toFixed(0)}× |`);
}));
print();
print(`The round's download (the head JSON, offgrid.head.v1): ${headJsonBytes} B.`);
print();
const ms = (t: { epochMs: number[] }) => `${median(t.epochMs).toFixed(1)} ms (min ${Math.min(...t.epochMs).toFixed(1)}, max ${Math.max(...t.epochMs).toFixed(1)})`;
print(`One local epoch of trainHead over ${phone0.targets.length} embeddings (batch ${chosenFor.IID.batchSize}, default yield every 8 ms; median of 20 after a warm-up): Node ${ms(nodeTiming)}${browserTiming ? `; headless Chromium ${ms(browserTiming)} (${browserTiming.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0]})` : ''}.`);

if (values.json) {
  writeFileSync(values.json, JSON.stringify({ config, sweep, chosenFor, baseAccuracy, central, centralFloat, fed, fedProx, proximal, fedOwn, fedFloat, alone, dpRows, pngBytes, headJsonBytes, nodeTiming, browserTiming, report: { winner: report.winner, trials: report.trials.length }, trainSeconds, modelDir }, null, 1));
}
log(`done; model in ${modelDir}`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function shuffle<T>(items: T[], seed: number): T[] {
  const random = createRandom(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

