// `offgrid backbones list | import`: the pretrained backbones transfer learning can use, built in and imported.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { backbonesDir, importBackbone, initWasmBackend, listBackbones, type BackboneInfo } from '@offgrid/engine';
import { DEFAULT_CONFIG } from '@offgrid/server';

export const BACKBONES_USAGE = `Usage:
  offgrid backbones list [--data ./offgrid-data] [--json]
  offgrid backbones import <model folder | file.tflite> [--name <name>] [--mean 127.5 --std 127.5] [--license <id>]
                   [--feature-layer <layer or tensor>] [--description <text>] [--data ./offgrid-data]
`;

/** The server's data directory, resolved as `offgrid serve` resolves it: --data, then OFFGRID_DATA, then the default. */
export const dataDirOf = (flag: string | undefined): string => resolve(flag ?? process.env.OFFGRID_DATA ?? DEFAULT_CONFIG.data);

/** "127.5" or "123.7,116.3,103.5" → numbers; names the flag when it is not 1 or 3 numbers. */
function numbers(flag: string, value: string): number[] {
  const values = value.split(',').map((v) => Number(v.trim()));
  if ((values.length !== 1 && values.length !== 3) || values.some((v) => !Number.isFinite(v))) {
    throw new Error(`--${flag} takes one number or three comma-separated numbers (R,G,B), got "${value}".`);
  }
  return values;
}

const same = (values: number[]): string => (values.every((v) => v === values[0]) ? String(values[0]) : values.join(','));

function describe(info: BackboneInfo): string[] {
  const source = 'package' in info.source ? `npm ${info.source.package}@${info.source.version} (built in)` : `imported ${info.source.importedAt.slice(0, 10)} from ${info.source.importedFrom}`;
  return [
    `${info.name}  (${info.format})`,
    `  input ${info.inputShape.join('x')}, (pixel - ${same(info.normalization.mean)}) / ${same(info.normalization.std)}; feature "${info.featureLayer}" [${info.featureSize}]; ${info.parameters.toLocaleString('en-US')} parameters`,
    `  license ${info.license}; sha256 ${info.sha256}`,
    `  ${source}`,
  ];
}

export async function backbonesCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === 'list') {
    const { values } = parseArgs({ args: rest, options: { data: { type: 'string' }, json: { type: 'boolean', default: false } } });
    const dataDir = dataDirOf(values.data);
    const all = await listBackbones(dataDir);
    process.stdout.write(values.json ? `${JSON.stringify(all, null, 2)}\n` : `${all.flatMap(describe).join('\n')}\n\nImported backbones live in ${backbonesDir(dataDir)}.\n`);
    return 0;
  }
  if (action === 'import') {
    const { positionals, values } = parseArgs({
      args: rest, allowPositionals: true,
      options: {
        data: { type: 'string' }, name: { type: 'string' }, mean: { type: 'string' }, std: { type: 'string' }, license: { type: 'string' },
        'feature-layer': { type: 'string' }, description: { type: 'string' },
      },
    });
    if (positionals.length !== 1) {
      process.stderr.write(BACKBONES_USAGE);
      return 2;
    }
    if ((values.mean === undefined) !== (values.std === undefined)) throw new Error('--mean and --std go together: model input = (pixel - mean) / std, pixel in 0..255 (e.g. --mean 0 --std 255 for inputs in [0, 1]).');
    const normalization = values.mean !== undefined ? { mean: numbers('mean', values.mean), std: numbers('std', values.std!) } : undefined;
    await initWasmBackend(); // a TF.js model is loaded and run once to check it
    const dataDir = dataDirOf(values.data);
    const { info, warnings } = await importBackbone(positionals[0], {
      dataDir, name: values.name, normalization, license: values.license, featureLayer: values['feature-layer'], description: values.description,
    });
    for (const warning of warnings) process.stderr.write(`note: ${warning}\n`);
    process.stdout.write(`Imported into ${backbonesDir(dataDir)}:\n${describe(info).join('\n')}\n`);
    return 0;
  }
  process.stderr.write(action === undefined || action === 'help' ? BACKBONES_USAGE : `Unknown backbones action "${action}".\n${BACKBONES_USAGE}`);
  return action === undefined || action === 'help' ? 0 : 2;
}
