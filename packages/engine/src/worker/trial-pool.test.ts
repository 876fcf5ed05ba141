import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { brightVersusDark } from '../train/test-images.ts';
import { fromSamples } from '../train/data.ts';
import { createRandom } from '../util/random.ts';
import { trainInWorker } from './trial.ts';
import { TrialPool } from './trial-pool.ts';
import { blobs } from './test-trial-data.ts';
import type { TrialRequest, TrialResult } from './trial-protocol.ts';


/** Token ids: class 0 uses ids 2–9, class 1 ids 10–17, padded with 0. */
function texts(count: number): TrialRequest['data'] {
  const random = createRandom(5);
  const x = new Float32Array(count * 12);
  const targets = Array.from({ length: count }, (_, i) => i % 2);
  targets.forEach((t, i) => { for (let s = 0; s < 8; s++) x[i * 12 + s] = 2 + t * 8 + Math.floor(random.next() * 8); });
  return { x, shape: [12], targets };
}

const mlp: TrialRequest = { family: 'mlp', training: { learningRate: 0.01 }, data: blobs(120), labels: ['a', 'b', 'c'], budgetSeconds: 60, epochs: 3, seed: 4 };
const text: TrialRequest = { family: 'text', config: { conv: 'k3' }, data: texts(80), labels: ['x', 'y'], vocabularySize: 20, budgetSeconds: 60, epochs: 2, seed: 2 };
const cnn: TrialRequest = (() => {
  const { images, targets } = brightVersusDark(40, 7, [12, 12, 3]);
  return { family: 'small-cnn', config: { filters: 8, denseUnits: 16 }, training: { augment: 'flip' }, data: { x: fromSamples(images, targets, [12, 12, 3]).x, shape: [12, 12, 3], targets }, labels: ['dark', 'bright'], budgetSeconds: 60, epochs: 2, seed: 3 };
})();
const folded: TrialRequest = { ...mlp, family: 'linear', training: { learningRate: 0.03 }, folds: 3, seed: 6 };

/** What must not depend on the worker a trial ran in. */
const outcome = (r: TrialResult) => ({ history: r.history.map(({ loss, valLoss, valAccuracy }) => ({ loss, valLoss, valAccuracy })), tflite: r.tflite, validation: r.validationIndices });

test('one warm worker trains trial after trial: the same results as fresh workers, and no memory kept from one to the next', async (t) => {
  const pool = new TrialPool({ maxIdle: 1 });
  try {
    const requests = [mlp, text, cnn, folded, mlp, text, cnn, folded];
    const pooled: TrialResult[] = [];
    for (const request of requests) pooled.push(await pool.train(request));
    assert.equal(pool.started, 1, 'one worker started for eight trials');
    assert.deepEqual(pooled.map((r) => r.worker?.trials), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(new Set(pooled.map((r) => r.worker?.threadId)).size, 1);
    // After a trial of each kind has run once, nothing allocated stays behind from the next ones.
    const after = pooled.map((r) => ({ tensors: r.worker!.tensors, bytes: r.worker!.bytes }));
    t.diagnostic(`engine memory after each trial: ${JSON.stringify(after)}`);
    assert.deepEqual(after.slice(4), Array(4).fill(after[3]), `engine memory after each trial: ${JSON.stringify(after)}`);
    // Seeded requests give the same result in a reused worker as in a fresh one (history, model bytes, split).
    for (const [i, request] of requests.slice(0, 4).entries()) {
      const fresh = outcome(await trainInWorker(request));
      assert.deepEqual(outcome(pooled[i]), fresh, `${request.family}: trial ${i + 1} of the warm worker`);
      assert.deepEqual(outcome(pooled[i + 4]), fresh, `${request.family}: trial ${i + 5} of the warm worker`);
    }
  } finally {
    await pool.close();
  }
});

test('trials at once get a worker each, and the pool keeps at most maxIdle of them', async () => {
  const pool = new TrialPool({ maxIdle: 1 });
  try {
    const [a, b] = await Promise.all([pool.train(mlp), pool.train({ ...mlp, seed: 5 })]);
    assert.notEqual(a.worker!.threadId, b.worker!.threadId);
    assert.equal(pool.started, 2);
    assert.equal(pool.idleCount, 1);
  } finally {
    await pool.close();
  }
});

test('an aborted trial terminates its worker at once and the next trial gets a fresh one', async () => {
  const pool = new TrialPool();
  try {
    const first = await pool.train(mlp);
    const controller = new AbortController();
    let abortedAt = 0;
    const trial = pool.train(
      { ...mlp, epochs: 10_000, budgetSeconds: 120 },
      { signal: controller.signal, onProgress: (p) => { if (p.phase === 'training' && !abortedAt) { abortedAt = Date.now(); controller.abort(); } } },
    );
    await assert.rejects(trial, { name: 'AbortError' });
    assert.ok(Date.now() - abortedAt < 2000, `settled ${Date.now() - abortedAt} ms after the abort`);
    assert.equal(pool.idleCount, 0, 'the aborted worker is not kept');
    const next = await pool.train(mlp);
    assert.notEqual(next.worker!.threadId, first.worker!.threadId);
    assert.equal(next.worker!.trials, 1);
    assert.equal(pool.started, 2);
  } finally {
    await pool.close();
  }
});

test('a worker that posted an error, crashed or exited is discarded', async () => {
  const pool = new TrialPool();
  const idleWorker = () => (pool as unknown as { idle: Worker[] }).idle.at(-1)!;
  try {
    const first = await pool.train(mlp);
    await assert.rejects(pool.train({ ...mlp, family: 'resnet' }), /Unknown model family "resnet"/);
    assert.equal(pool.idleCount, 0);
    const second = await pool.train(mlp);
    assert.notEqual(second.worker!.threadId, first.worker!.threadId);

    // Crashed while training (the 'error' event an uncaught exception raises), then exited while training.
    let worker = idleWorker();
    await assert.rejects(pool.train(mlp, { onProgress: () => worker.emit('error', new Error('boom')) }), /Training worker crashed: boom/);
    assert.equal(pool.idleCount, 0);
    await pool.train(mlp);
    worker = idleWorker();
    await assert.rejects(pool.train(mlp, { onProgress: () => void worker.terminate() }), /exited with code 1/);
    // An idle worker that exits is forgotten.
    await pool.train(mlp);
    await idleWorker().terminate();
    assert.equal(pool.idleCount, 0);
    const last = await pool.train(mlp);
    assert.equal(last.worker!.trials, 1);
    assert.equal(pool.started, 5);
  } finally {
    await pool.close();
  }
});

test('idle workers close after idleMs, at close(), and never keep the process alive', async () => {
  const pool = new TrialPool({ idleMs: 300 });
  await pool.train(mlp);
  assert.equal(pool.idleCount, 1);
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(pool.idleCount, 0, 'closed after idleMs');
  await pool.train(mlp);
  await pool.close();
  assert.equal(pool.idleCount, 0, 'closed by close()');
  const again = await pool.train(mlp);
  assert.equal(again.worker!.trials, 1, 'usable after close(), with a new worker');
  assert.equal(pool.idleCount, 1);
  await pool.close();

  // A process that trains with the default pool (localTrials) and never closes it exits by itself.
  const folder = await mkdtemp(join(tmpdir(), 'offgrid-pool-'));
  const script = join(folder, 'train-once.mts');
  await writeFile(script, `import { localTrials } from ${JSON.stringify(new URL('./trial-executor.ts', import.meta.url).pathname)};
    const r = await localTrials.train({ family: 'linear', data: { x: new Float32Array(40).map((_, i) => i % 2), shape: [2], targets: Array.from({ length: 20 }, (_, i) => i % 2) }, labels: ['a', 'b'], budgetSeconds: 30, epochs: 1, seed: 1 });
    console.log('trained in thread', r.worker.threadId);\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => { child.kill(); resolve(null); }, 60_000);
    child.on('exit', (exitCode) => { clearTimeout(timer); resolve(exitCode); });
  });
  assert.equal(code, 0, `the process exits by itself with an idle worker left (output: ${output})`);
  assert.match(output, /trained in thread \d+/);
  await rm(folder, { recursive: true, force: true });
});
