// The UCI wine data set (178 wines, 13 measurements, 3 cultivars; Forina et al., via Debian's python3-sklearn,
// which scripts/setup.sh fetches as a 2 MB .deb and unpacks only this file from when the package is absent), cut
// into a small seed for the workstation and non-IID shares for phones: each phone sees only two of the cultivars.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const WINE_FEATURES = ['alcohol', 'malic_acid', 'ash', 'alcalinity', 'magnesium', 'phenols', 'flavanoids', 'nonflavanoid', 'proanthocyanins', 'color', 'hue', 'od280', 'proline'];
export const WINE_LABELS = ['cultivar_1', 'cultivar_2', 'cultivar_3'];

const PLACES = [
  '/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv',
  join(import.meta.dirname, '.data', 'wine_data.csv'),
];

export interface WineRow {
  label: string;
  values: string[];
}

/** The file's path, or undefined when neither the package nor setup.sh's copy is there. */
export function wineFile(): string | undefined {
  return PLACES.find((path) => existsSync(path));
}

export function readWine(path: string): WineRow[] {
  const [, ...lines] = readFileSync(path, 'utf8').trim().split('\n'); // the first line is "178,13,class_0,…"
  return lines.map((line) => {
    const cells = line.trim().split(',');
    if (cells.length !== 14) throw new Error(`${path}: expected 14 columns, got ${cells.length}: ${line}`);
    return { label: WINE_LABELS[Number(cells[13])], values: cells.slice(0, 13) };
  });
}

export function toCsv(rows: readonly WineRow[]): string {
  return `${['label', ...WINE_FEATURES].join(',')}\n${rows.map((row) => [row.label, ...row.values].join(',')).join('\n')}\n`;
}

/**
 * `seedPerLabel` rows of each cultivar for the workstation; the rest dealt to phones so that phone i sees the
 * cultivars in `shares[i]` only (a cultivar's rows alternate between the phones that see it).
 */
export function splitWine(rows: readonly WineRow[], seedPerLabel: number, shares: readonly (readonly string[])[]): { seed: WineRow[]; phones: WineRow[][] } {
  const seed: WineRow[] = [];
  const phones: WineRow[][] = shares.map(() => []);
  for (const label of WINE_LABELS) {
    const mine = rows.filter((row) => row.label === label);
    seed.push(...mine.slice(0, seedPerLabel));
    const holders = shares.flatMap((share, i) => (share.includes(label) ? [i] : []));
    mine.slice(seedPerLabel).forEach((row, k) => phones[holders[k % holders.length]].push(row));
  }
  return { seed, phones };
}
