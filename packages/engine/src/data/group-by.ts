import { relative, sep } from 'node:path';
import type { LoadedDataset } from './dataset.ts';

/**
 * Groups samples by a pattern over where they came from, so that a split keeps a group on one side: every clip of one
 * speaker (`^[^/]+/([^_]+)_` over speech commands' `yes/0a7c2a8d_nohash_0.wav`), every photo of one session folder,
 * every window of one person's recordings. The pattern runs over each sample's path relative to `root`, with `/`
 * between folders (motion windows' `#n` suffix dropped); its first capture group names the group, or the whole match
 * when it has none. A sample that does not match is an error: a half-grouped split would still flatter.
 */
export function groupByPattern(dataset: Pick<LoadedDataset, 'sources'>, pattern: string, root: string): { groups: Int32Array; names: string[] } {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch (error) {
    throw new Error(`--group-by: "${pattern}" is not a valid regular expression (${(error as Error).message}).`, { cause: error });
  }
  const ids = new Map<string, number>();
  const groups = new Int32Array(dataset.sources.length);
  const unmatched: string[] = [];
  dataset.sources.forEach((source, i) => {
    const path = relative(root, source.replace(/#\d+$/, '')).split(sep).join('/');
    const match = regex.exec(path);
    const name = match?.[1] ?? match?.[0];
    if (name === undefined || name === '') {
      unmatched.push(path);
      return;
    }
    if (!ids.has(name)) ids.set(name, ids.size);
    groups[i] = ids.get(name)!;
  });
  if (unmatched.length > 0) {
    throw new Error(`--group-by: ${unmatched.length} of ${dataset.sources.length} samples do not match /${pattern}/ (e.g. ${unmatched.slice(0, 3).join(', ')}); every sample needs a group. The pattern runs over paths like "${unmatched[0]}".`);
  }
  return { groups, names: [...ids.keys()] };
}
