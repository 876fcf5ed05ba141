/**
 * The TypeScript type of a JSON schema written `as const`, so a wire shape is spelled once (issue #20): the
 * schema validates, serializes and feeds the SDK's generated types, and code takes its type from it.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

/**
 * json-schema-to-ts gives every object without `additionalProperties: false` an `[x: string]: unknown` index
 * (what JSON Schema allows). Our response schemas leave it open because Fastify's serializer drops unlisted
 * properties anyway; the type should still refuse a misspelt property, so the open index is dropped. A typed
 * index (`additionalProperties: { type: 'integer' }`) is kept.
 */
type Closed<T> = T extends readonly (infer Item)[]
  ? Closed<Item>[]
  : T extends object
    ? { [K in keyof T as string extends K ? (unknown extends T[K] ? never : K) : K]: Closed<T[K]> }
    : T;

/** `WireType<typeof schema>`: the value a schema describes (optional where the schema does not require). */
export type WireType<Schema extends JSONSchema> = Closed<FromSchema<Schema>>;

/** What WireType takes: a JSON schema written `as const`. */
export type WireSchema = JSONSchema;
