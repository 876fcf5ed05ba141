/**
 * A search space: the shape the user declared, checked once, plus the walk every sampler and validator
 * shares. Parameter ids are paths (`family=cnn/filters`), so the same key in two branches is two
 * parameters for TPE even though both land on `config.filters`.
 */
import type { ConfigOfShape } from './config-type.ts';
import type { CategoricalParam, ConditionalParam, LeafParam, Scalar, SpaceShape } from './params.ts';

/** Plain JSON object of parameter values; conditional keys hold the chosen branch name. */
export type Config = Readonly<Record<string, Scalar>>;

export interface SearchSpace<S extends SpaceShape = SpaceShape> {
  readonly shape: S;
  /** Canonical JSON of the shape: stored with a study so a resume with a different space is refused. */
  readonly json: string;
}

export type ConfigOf<Space> = Space extends SearchSpace<infer S> ? ConfigOfShape<S> : never;

/** One value-holding parameter as the walk meets it. Branch selectors appear as categoricals over branch names. */
export interface ParamSite {
  /** Unique within the space: `key` at top level, `parent=branch/key` below a conditional. */
  readonly id: string;
  /** The key under which the value is stored in the flat config. */
  readonly key: string;
  readonly def: LeafParam;
}

export function defineSpace<const S extends SpaceShape>(shape: S): SearchSpace<S> {
  checkKeysUniqueOnEveryPath(shape, new Set());
  return { shape, json: JSON.stringify(shape) };
}

function checkKeysUniqueOnEveryPath(shape: SpaceShape, outerKeys: ReadonlySet<string>): void {
  for (const key of Object.keys(shape)) {
    if (outerKeys.has(key)) {
      throw new Error(`Parameter "${key}" is declared both inside a conditional branch and around it; configs are flat, so rename one of them.`);
    }
  }
  const keysHere = new Set([...outerKeys, ...Object.keys(shape)]);
  for (const def of Object.values(shape)) {
    if (def.kind !== 'conditional') continue;
    for (const branch of Object.values(def.branches)) checkKeysUniqueOnEveryPath(branch, keysHere);
  }
}

export function branchSelector(def: ConditionalParam): CategoricalParam<string> {
  return { kind: 'categorical', choices: Object.keys(def.branches) };
}

/**
 * Builds a config by asking `pick` for each active parameter in declaration order; a conditional's
 * pick (a branch name) decides which sub-space is walked next.
 */
export function buildConfig(space: SearchSpace, pick: (site: ParamSite) => Scalar): Record<string, Scalar> {
  const config: Record<string, Scalar> = {};
  const walk = (shape: SpaceShape, prefix: string): void => {
    for (const [key, def] of Object.entries(shape)) {
      const id = prefix + key;
      if (def.kind === 'conditional') {
        const branch = String(pick({ id, key, def: branchSelector(def) }));
        config[key] = branch;
        walk(def.branches[branch], `${id}=${branch}/`);
      } else {
        config[key] = pick({ id, key, def });
      }
    }
  };
  walk(space.shape, '');
  return config;
}

/**
 * The parameters a config activates, by id, with their values. Stops descending where a branch name is
 * unknown (validation reports that), so it is safe on stored configs from older spaces.
 */
export function activeValues(space: SearchSpace, config: Config): Map<string, { site: ParamSite; value: Scalar | undefined }> {
  const active = new Map<string, { site: ParamSite; value: Scalar | undefined }>();
  const walk = (shape: SpaceShape, prefix: string): void => {
    for (const [key, def] of Object.entries(shape)) {
      const id = prefix + key;
      const value = config[key];
      if (def.kind === 'conditional') {
        active.set(id, { site: { id, key, def: branchSelector(def) }, value });
        if (typeof value === 'string' && Object.hasOwn(def.branches, value)) walk(def.branches[value], `${id}=${value}/`);
      } else {
        active.set(id, { site: { id, key, def }, value });
      }
    }
  };
  walk(space.shape, '');
  return active;
}
