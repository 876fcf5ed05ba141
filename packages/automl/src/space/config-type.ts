/**
 * The TypeScript type of the configs a space yields: a flat object whose conditional keys make a
 * discriminated union, so `if (config.family === 'cnn') config.filters` type-checks.
 */
import type { CategoricalParam, ConditionalParam, FloatParam, IntParam, SpaceShape } from './params.ts';

type LeafValue<P> = P extends CategoricalParam<infer T> ? T : P extends IntParam | FloatParam ? number : never;

type LeafKeys<S> = { [K in keyof S]: S[K] extends ConditionalParam ? never : K }[keyof S];
type ConditionalKeys<S> = { [K in keyof S]: S[K] extends ConditionalParam ? K : never }[keyof S];

type BranchUnion<K extends PropertyKey, Branches> = {
  [Name in keyof Branches & string]: { readonly [P in K]: Name } & ConfigOfShape<Branches[Name]>;
}[keyof Branches & string];

type UnionToIntersection<U> = (U extends unknown ? (arg: U) => void : never) extends (arg: infer I) => void ? I : never;

// Each conditional key contributes a union; several conditional keys at one level intersect those unions.
// Boxing each union keeps UnionToIntersection from also intersecting the members of one union.
type ConditionalPart<S> = [ConditionalKeys<S>] extends [never]
  ? unknown
  : UnionToIntersection<
        { [K in ConditionalKeys<S>]: { box: S[K] extends ConditionalParam<infer B> ? BranchUnion<K, B> : never } }[ConditionalKeys<S>]
      > extends { box: infer Config }
    ? Config
    : never;

export type ConfigOfShape<S> = S extends SpaceShape ? { readonly [K in LeafKeys<S>]: LeafValue<S[K]> } & ConditionalPart<S> : never;
