import { backbonesCommand } from './backbones-command.ts';
import { exportCommand } from './export-command.ts';
import { importCommand } from './import-command.ts';
import { predictCommand } from './predict-command.ts';
import { serveCommand } from './serve-command.ts';
import { trainCommand } from './train-command.ts';
import { tlsCommand } from './tls-command.ts';
import { keysCommand } from './keys-command.ts';
import { workerCommand } from './worker-command.ts';

const USAGE = `offgrid — offline AutoML for phones

Usage:
  offgrid serve [--port 8000] [--host 0.0.0.0] [--data ./offgrid-data] [--config file.json] [--log-level warn] [--insecure-http]
               [--queue redis://:<password>@<LAN address>:6379] [--queue-trials 4]
      Start the LAN server: stores data, trains models, serves the phone app. With --queue it coordinates
      \`offgrid worker\`s on other machines: trials become BullMQ jobs on that Redis; its own cores train too.
  offgrid worker --server https://<coordinator>:8000 --key <worker key> [--ca ca.crt] [--concurrency N] [--name n]
      Train trials for a coordinator on this machine (the queue's address comes from the coordinator).
  offgrid keys create --scope worker|admin --name <n> | list | revoke <id>  --server <url> --key <adminKey> [--ca ca.crt]
      API keys of a server: a worker key per worker machine, revoked on its own when the machine is lost.
  offgrid train <folder | file.csv> --out <dir> [--budget 10m] [--seed 0] [--size N] [--concurrency 2]
               [--task classify|anomaly] [--false-alarm-rate 0.01] [--backbone <name>|none] [--data ./offgrid-data]
      Search model families within the budget, retrain the winner, export model.tflite (int8),
      model_float32.tflite, report.json and report.html. A folder holds one sub-folder per label of images,
      .wav clips, motion recordings (.json/.csv) or .txt texts; a CSV has numeric feature columns (or a "text"
      column) and a "label" column. --task anomaly learns "normal" (a label folder/value, alone if need be)
      and flags the rest. Run again to resume. Images: a head over a pretrained backbone (--backbone, default
      mobilenet-v2-nsfwjs; imported ones from --data; none: off) competes when embedding the pictures fits the budget.
  offgrid predict <model.tflite> <files...> [--json]
      Label and confidence per file (images, .wav, .txt; motion recordings over their windows; CSV per row),
      or ALARM/ok with the anomaly score. Reads report.json next to the model.
  offgrid export --server <url> --key <adminKey> --project <id> [--out file.tar] [--ca ca.crt] [--insecure]
      Stream a project (samples, jobs, models) from a server into one .tar archive.
  offgrid import <file.tar> --server <url> --key <adminKey> [--ca ca.crt] [--insecure]
      Stream an archive made by export to a server (all or nothing; ids are kept).
      --ca trusts the server's certificate authority (<data>/tls/ca.crt); also OFFGRID_SERVER, OFFGRID_KEY, OFFGRID_CA.
  offgrid backbones list [--data ./offgrid-data] [--json]
  offgrid backbones import <model folder | file.tflite> [--name n] [--mean m --std s] [--license id] [--feature-layer l]
      Pretrained backbones for transfer learning: the built-in one and those imported (a TF.js layers model folder
      or a float .tflite), kept with checksum, input size, normalization and license under <data>/backbones/.
  offgrid tls rotate [--data ./offgrid-data]
      New HTTPS certificate authority for the server (old one moved aside); phones install the new CA once.
  offgrid help
`;

export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    // People read these: the message says what to fix; the stack only with OFFGRID_DEBUG=1.
    process.stderr.write(`offgrid: ${process.env.OFFGRID_DEBUG ? (error as Error).stack : (error as Error).message}\n`);
    return 1;
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case 'train':
      return trainCommand(rest);
    case 'predict':
      return predictCommand(rest);
    case 'export':
      return exportCommand(rest);
    case 'import':
      return importCommand(rest);
    case 'backbones':
      return backbonesCommand(rest);
    case 'tls':
      return tlsCommand(rest);
    case 'worker':
      return workerCommand(rest);
    case 'keys':
      return keysCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}
