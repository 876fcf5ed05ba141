// Training/inference throughput of the DESIGN §3 nets on tfjs-backend-wasm: one worker alone,
// then two workers at once (one per core), side by side; on WebGPU where a GPU adapter exists
// (a software one with --webgpu-software); plus the PyTorch anchor when Debian's python3-torch is
// installed. Run: node --import tsx bench/engine/throughput.ts [--webgpu-software]
import { Worker } from 'node:worker_threads';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import type { BenchResult } from './throughput-worker.ts';
import { NETS, type BenchJob } from './nets.ts';

const BOOTSTRAP = new URL('../../packages/engine/src/worker/bootstrap.mjs', import.meta.url);
const WORKER = new URL('./throughput-worker.ts', import.meta.url).href;

function inWorker(job: BenchJob): Promise<BenchResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, { workerData: { entry: WORKER, job } });
    worker.once('message', (r: BenchResult) => { resolve(r); void worker.terminate(); });
    worker.once('error', reject);
  });
}

const TORCH = `
import sys, time, torch, torch.nn as nn
torch.manual_seed(0)
def cnn(): return nn.Sequential(nn.Conv2d(1,32,3,padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32,64,3,padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64*7*7,128), nn.ReLU(), nn.Linear(128,10))
def block(i,o,s): return [nn.Conv2d(i,i,3,s,1,groups=i,bias=False), nn.BatchNorm2d(i), nn.ReLU6(), nn.Conv2d(i,o,1,bias=False), nn.BatchNorm2d(o), nn.ReLU6()]
def mobilenet():
    layers=[nn.Conv2d(3,32,3,2,1,bias=False), nn.BatchNorm2d(32), nn.ReLU6()]
    c=32
    for o,s in [(64,1),(128,2),(128,1),(256,2),(256,1)]: layers+=block(c,o,s); c=o
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c,10))
for threads in (1,2):
    torch.set_num_threads(threads)
    for name,make,shape,steps in (('cnn',cnn,(64,1,28,28),20),('mobilenet',mobilenet,(64,3,32,32),10)):
        m=make(); opt=torch.optim.Adam(m.parameters(),1e-3); x=torch.randn(*shape); y=torch.randint(0,10,(64,)); f=nn.CrossEntropyLoss()
        def step():
            opt.zero_grad(); l=f(m(x),y); l.backward(); opt.step()
        for _ in range(2): step()
        t=time.time()
        for _ in range(steps): step()
        tr=steps*64/(time.time()-t)
        m.eval()
        with torch.no_grad():
            t=time.time()
            for _ in range(steps*2): m(x)
            inf=steps*2*64/(time.time()-t)
        print(f"{name} {threads} {tr:.0f} {inf:.0f}")
`;

function torchAnchor(): Map<string, { train: number; infer: number }> | string {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'not run: Debian python3-torch is not installed (`/usr/bin/python3 -c "import torch"` fails)';
  const out = execFileSync('/usr/bin/python3', ['-c', TORCH], { encoding: 'utf8' });
  const results = new Map<string, { train: number; infer: number }>();
  for (const line of out.trim().split('\n')) {
    const [name, threads, train, infer] = line.split(' ');
    results.set(`${name}/${threads}`, { train: Number(train), infer: Number(infer) });
  }
  return results;
}

const rows: string[] = [];
/** Our training throughput with both cores busy (two workers), by torch anchor name. */
const ours = new Map<string, number>();
for (const { name, label, job } of NETS) {
  const alone = await inWorker(job);
  const pair = await Promise.all([inWorker(job), inWorker(job)]);
  const sum = (k: keyof BenchResult): number => pair[0][k] + pair[1][k];
  rows.push(`| ${label} | ${alone.trainImagesPerSecond.toFixed(0)} | ${sum('trainImagesPerSecond').toFixed(0)} (${pair.map((p) => p.trainImagesPerSecond.toFixed(0)).join(' + ')}) | ${(sum('trainImagesPerSecond') / alone.trainImagesPerSecond).toFixed(2)}x | ${alone.inferImagesPerSecond.toFixed(0)} | ${sum('inferImagesPerSecond').toFixed(0)} |`);
  ours.set(name, sum('trainImagesPerSecond'));
  console.error(`done: ${label}`);
}
interface WebGpuRun { adapter: string | null; software?: boolean; reason?: string; nets?: Record<string, { train: number; infer: number }> }

/** The same nets on WebGPU, in a child process (throughput-webgpu.ts). */
function webGpuRun(): WebGpuRun {
  const script = new URL('./throughput-webgpu.ts', import.meta.url).pathname;
  const args = ['--import', 'tsx', script, ...(process.argv.includes('--webgpu-software') ? ['--software'] : [])];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 600_000 });
  const line = child.stdout.trim().split('\n').at(-1);
  try {
    return JSON.parse(line ?? '') as WebGpuRun;
  } catch {
    return { adapter: null, reason: `the WebGPU run failed (exit ${child.status ?? child.signal}): ${child.stderr.trim().split('\n').at(-1) ?? ''}` };
  }
}

const webgpu = webGpuRun();
console.error('done: webgpu');
const torch = torchAnchor();
console.log(`date: ${new Date().toISOString()}  node ${process.version}  cpus: ${cpus().length} x ${cpus()[0]?.model}`);
console.log('\n| net (batch 64) | wasm train, 1 worker | wasm train, 2 workers at once (sum) | speed-up | wasm infer, 1 worker | wasm infer, 2 workers (sum) |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
if (webgpu.nets) {
  console.log(`\nWebGPU on ${webgpu.adapter}${webgpu.software ? ' (software adapter: CPU figures, not a GPU\'s)' : ''}:\n\n| net (batch 64) | webgpu train | webgpu infer | train vs wasm 2 workers |\n|---|---|---|---|`);
  for (const { name, label } of NETS) {
    const net = webgpu.nets[name];
    console.log(`| ${label} | ${net.train.toFixed(0)} | ${net.infer.toFixed(0)} | ${(net.train / ours.get(name)!).toFixed(2)}x |`);
  }
} else console.log(`\nWebGPU: not timed: ${webgpu.reason}.`);
if (typeof torch === 'string') console.log(`\nPyTorch anchor: ${torch}.`);
else {
  console.log('\n| net (batch 64) | PyTorch train 1t / 2t | PyTorch infer 1t / 2t |\n|---|---|---|');
  for (const name of ['cnn', 'mobilenet']) {
    const one = torch.get(`${name}/1`)!;
    const two = torch.get(`${name}/2`)!;
    console.log(`| ${name} | ${one.train} / ${two.train} | ${one.infer} / ${two.infer} |`);
  }
  // Issue #4's headline: wasm training with both cores busy over PyTorch's with 2 threads.
  const ratio = (name: string) => (ours.get(name)! / torch.get(`${name}/2`)!.train).toFixed(2);
  console.log(`\nratio cnn=${ratio('cnn')} mobilenet=${ratio('mobilenet')}`);
}
