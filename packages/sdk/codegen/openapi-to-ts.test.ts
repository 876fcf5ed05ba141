import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { openApiToTypeScript, type JsonSchema, type NamingPlan, type OpenApiDocument } from './openapi-to-ts.ts';

const pet: JsonSchema = {
  type: 'object',
  required: ['id', 'kind', 'tags'],
  properties: {
    id: { type: 'string', description: 'Server-made.' },
    kind: { type: 'string', enum: ['cat', 'dog'] },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 5 },
    owner: { type: 'string', nullable: true },
    version: { const: 2 },
    counts: { type: 'object', additionalProperties: { type: 'integer' } },
    extra: { type: 'object', additionalProperties: true },
    size: { oneOf: [{ type: 'integer' }, { type: 'string', enum: ['small', 'large'] }] },
    weird: { type: ['string', 'null'] },
    toy: { $ref: '#/components/schemas/toy-item' },
  },
};

const document: OpenApiDocument = {
  components: { schemas: { 'toy-item': { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
  paths: {
    '/api/v1/pets/{petId}': {
      get: {
        operationId: 'getPet', summary: 'One pet',
        parameters: [{ in: 'path', name: 'petId', required: true, schema: { type: 'string' } }],
        responses: { 200: { content: { 'application/json': { schema: pet } } } },
      },
      delete: { operationId: 'deletePet', parameters: [{ in: 'path', name: 'petId', required: true, schema: { type: 'string' } }], responses: { 204: { description: 'gone' } } },
    },
    '/api/v1/pets': {
      get: {
        operationId: 'listPets', parameters: [{ in: 'query', name: 'limit', schema: { type: 'integer', minimum: 1, maximum: 10, default: 5 } }],
        responses: { 200: { content: { 'application/json': { schema: { type: 'object', required: ['pets'], properties: { pets: { type: 'array', items: pet } } } } } } },
      },
      post: {
        operationId: 'createPet', requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['kind'], additionalProperties: false, properties: { kind: pet.properties!.kind } } } } },
        responses: { 201: { content: { 'application/json': { schema: pet } } } },
      },
    },
    '/api/v1/toys': {
      get: { operationId: 'listToys', responses: { 200: { content: { 'application/json': { schema: { title: 'toy list', type: 'object', required: ['count'], properties: { count: { type: 'integer' } } } } } } } },
    },
    '/api/v1/pets/{petId}/photo': {
      get: { operationId: 'petPhoto', parameters: [{ in: 'path', name: 'petId', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'image/jpeg' } } },
    },
  },
};

const plan: NamingPlan = {
  pathPrefix: '/api/v1',
  shapes: { Pet: 'GET /pets/{petId} 200', PetKind: 'GET /pets/{petId} 200.kind' },
};

/** Type-checks `source` plus `usage` (which may hold @ts-expect-error lines) and returns the diagnostics. */
function typeErrors(source: string, usage: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'openapi-to-ts-'));
  try {
    writeFileSync(join(dir, 'api.ts'), source);
    writeFileSync(join(dir, 'usage.ts'), `import type * as Api from './api.ts';\n${usage}\n`);
    const program = ts.createProgram([join(dir, 'usage.ts')], {
      strict: true, noEmit: true, allowImportingTsExtensions: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [],
    });
    return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName.split('/').pop()}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('openApiToTypeScript', () => {
  const source = openApiToTypeScript(document, plan, '// test header');

  it('names shapes by the plan and reuses the name for every identical schema', () => {
    assert.match(source, /^\/\/ test header\n/);
    assert.match(source, /export interface Pet \{/);
    assert.match(source, /export type PetKind = 'cat' \| 'dog';/);
    assert.match(source, /export interface ListPetsResponse \{\n {2}pets: Pet\[\];\n\}/);
    assert.match(source, /'POST \/pets': \{\n {4}body: CreatePetRequest;\n {4}responses: \{ 201: Pet \};/);
    assert.match(source, /kind: PetKind;/);
    assert.equal(source.match(/export interface Pet \{/g)?.length, 1);
  });

  it('writes descriptions and constraints as JSDoc, and component schemas as named types', () => {
    assert.match(source, /\/\*\* Server-made. \*\/\n {2}id: string;/);
    assert.match(source, /\/\*\* 1\.\.10\. @default 5 \*\/\n {2}limit\?: number;/);
    assert.match(source, /export interface ToyItem \{\n {2}name: string;\n\}/);
    assert.match(source, /toy\?: ToyItem;/);
    assert.match(source, /export interface ToyList \{\n {2}count: number;\n\}/);
    assert.match(source, /'GET \/toys': \{\n {4}responses: \{ 200: ToyList \};/);
  });

  it('maps routes without a JSON body to unknown and 204 to null', () => {
    assert.match(source, /'GET \/pets\/\{petId\}\/photo': \{\n {4}params: \{ petId: string \};\n {4}responses: \{ 200: unknown \};/);
    assert.match(source, /'DELETE \/pets\/\{petId\}': \{\n {4}params: \{ petId: string \};\n {4}responses: \{ 204: null \};/);
    assert.match(source, /export interface ListPetsQuery/);
  });

  it('is valid TypeScript that accepts what the schemas accept and refuses the rest', () => {
    const errors = typeErrors(source, `
      const ok: Api.Pet = { id: 'a', kind: 'cat', tags: [], owner: null, version: 2, counts: { x: 1 }, extra: { y: [] }, size: 'small', weird: null, toy: { name: 't' } };
      const numberSize: Api.Pet['size'] = 3;
      const route: Api.ApiRoutes['GET /pets']['responses'][200] = { pets: [ok] };
      // @ts-expect-error required property missing
      const missing: Api.Pet = { id: 'a', kind: 'cat' };
      // @ts-expect-error not in the enum
      const badKind: Api.PetKind = 'cow';
      // @ts-expect-error wrong const
      const badVersion: Api.Pet['version'] = 3;
      // @ts-expect-error additionalProperties: false
      const extraField: Api.CreatePetRequest = { kind: 'dog', name: 'x' };
      // @ts-expect-error index signature values are integers
      const badCount: Api.Pet['counts'] = { x: 'one' };
      export { ok, numberSize, route, missing, badKind, badVersion, extraField, badCount };
    `);
    assert.deepEqual(errors, []);
  });

  it('names route types by operationId and maps every operationId to its route', () => {
    assert.match(source, /export interface ListPetsQuery/);
    assert.match(source, /export const API_OPERATIONS = \{\n {2}createPet: 'POST \/pets',\n {2}deletePet: 'DELETE \/pets\/\{petId\}',\n {2}getPet: 'GET \/pets\/\{petId\}',\n {2}listPets: 'GET \/pets',\n {2}listToys: 'GET \/toys',\n {2}petPhoto: 'GET \/pets\/\{petId\}\/photo',\n\} as const;/);
  });

  it('refuses a route without an operationId, saying where to add it', () => {
    const unnamed: OpenApiDocument = { paths: { '/api/v1/cats': { get: { responses: { 204: { description: 'none' } } } } } };
    assert.throws(() => openApiToTypeScript(unnamed, { ...plan, shapes: {} }, ''), /GET \/cats has no operationId: add one to its schema/);
  });

  it('is deterministic whatever the order of the document', () => {
    const reversed: OpenApiDocument = { ...document, paths: Object.fromEntries(Object.entries(document.paths).reverse()) };
    assert.equal(openApiToTypeScript(reversed, plan, '// test header'), source);
  });

  it('refuses a plan that points at nothing, or names a plain scalar', () => {
    assert.throws(() => openApiToTypeScript(document, { ...plan, shapes: { Gone: 'GET /cats 200' } }, ''), /no route GET \/cats/);
    assert.throws(() => openApiToTypeScript(document, { ...plan, shapes: { Gone: 'GET /pets/{petId} 200.nope' } }, ''), /nothing at "GET \/pets\/\{petId\} 200\.nope"/);
    assert.throws(() => openApiToTypeScript(document, { ...plan, shapes: { PetId: 'GET /pets/{petId} 200.id' } }, ''), /PetId would name a plain string/);
  });
});
