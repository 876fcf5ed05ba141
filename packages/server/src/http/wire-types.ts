/**
 * A Fastify type provider over WireType: with `app.withTypeProvider<WireTypeProvider>()`, a route's params, query
 * and body are typed from the JSON schemas it validates with, and its reply from its response schemas, so the
 * shape is spelled once (issue #20). Ours rather than @fastify/type-provider-json-schema-to-ts: that one keeps
 * json-schema-to-ts' open `[x: string]: unknown` index on every object the schema does not close.
 */
import type { FastifyTypeProvider } from 'fastify';
import type { WireSchema, WireType } from '@offgrid/features';

export interface WireTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends WireSchema ? WireType<this['schema']> : unknown;
  serializer: this['schema'] extends WireSchema ? WireType<this['schema']> : unknown;
}
