/**
 * OpenAPI 3.0 document → TypeScript declarations, for the SDK's generated wire types. Pure (no Node imports).
 *
 * The server's route schemas are written inline (no $ref), so the same shape (a project, a job) appears in many
 * routes. Readable names come from a naming plan: each named shape is found at one place in the document and
 * every structurally identical schema elsewhere is then written as that name. Schemas with a `title` and
 * `components.schemas` entries are named too. Everything else is inlined.
 */

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema | JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  nullable?: boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  $ref?: string;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}

export interface OpenApiOperation {
  /** Names the SDK method that calls the route and its types (`listJobs` → `ListJobsQuery`, `ListJobsResponse`). */
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface NamingPlan {
  /** Removed from every path (the SDK adds it back): e.g. `/api/v1`. */
  pathPrefix: string;
  /**
   * Named shapes: `name` → where to find it, `"<METHOD> <path> <place>"` where place is a response status
   * (`200`), `body` or `query.<param>`, optionally followed by `.property` and `[]` (array items) steps.
   * E.g. `GET /jobs/{jobId} 200.progress`, `GET /projects/{projectId}/samples 200.samples[]`.
   */
  shapes: Record<string, string>;
}

const METHOD_ORDER = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];
const JSON_MEDIA = 'application/json';

interface Route {
  key: string;
  path: string;
  operation: OpenApiOperation;
}

/** The TypeScript source: named shapes, per-route request/response types, and the `ApiRoutes` map. */
export function openApiToTypeScript(document: OpenApiDocument, plan: NamingPlan, header: string): string {
  const routes = routesOf(document, plan.pathPrefix);
  const names = new ShapeNames();
  const declarations = new Map<string, string>();

  for (const [name, schema] of Object.entries(document.components?.schemas ?? {}).sort(byKey)) names.add(schema.title ?? typeName(name), schema);
  for (const [name, at] of Object.entries(plan.shapes).sort(byKey)) names.add(name, findShape(routes, at));
  for (const route of routes) visitSchemas(route.operation, (schema) => { if (schema.title) names.add(typeName(schema.title), schema); });

  const render = new Renderer(names, document);
  for (const { name, schema } of names.all()) declarations.set(name, render.declaration(name, schema));

  const routeLines: string[] = [];
  for (const route of routes) {
    const operationName = typeName(operationIdOf(route));
    const doc = render.doc(route.operation.summary);
    const members: string[] = [];
    const parameters = route.operation.parameters ?? [];
    const group = (place: OpenApiParameter['in']) => parameters.filter((p) => p.in === place).sort((a, b) => compare(a.name, b.name));

    const pathParams = group('path');
    if (pathParams.length) members.push(`params: ${render.inlineParameters(pathParams)};`);
    const queryParams = group('query');
    if (queryParams.length) {
      const name = `${operationName}Query`;
      declarations.set(name, render.declaration(name, parametersSchema(queryParams)));
      members.push(`query: ${name};`);
    }
    const headerParams = group('header');
    if (headerParams.length) members.push(`headers: ${render.inlineParameters(headerParams)};`);

    const bodySchema = route.operation.requestBody?.content?.[JSON_MEDIA]?.schema;
    if (bodySchema) {
      const name = names.nameOf(bodySchema) ?? `${operationName}Request`;
      if (!names.nameOf(bodySchema)) declarations.set(name, render.declaration(name, bodySchema));
      members.push(`body: ${name};`);
    }

    const responses = Object.entries(route.operation.responses ?? {}).sort(byKey);
    const unnamed = responses.filter(([, r]) => r.content?.[JSON_MEDIA]?.schema && !names.nameOf(r.content[JSON_MEDIA].schema!));
    const distinctUnnamed = new Set(unnamed.map(([, r]) => canonical(r.content![JSON_MEDIA].schema!)));
    const responseTypes = responses.map(([status, response]) => {
      const schema = response.content?.[JSON_MEDIA]?.schema;
      if (!schema) return `${status}: ${status === '204' ? 'null' : 'unknown'}`;
      let name = names.nameOf(schema);
      if (!name) {
        name = distinctUnnamed.size > 1 ? `${operationName}Response${status}` : `${operationName}Response`;
        if (!declarations.has(name)) declarations.set(name, render.declaration(name, schema));
      }
      return `${status}: ${name}`;
    });
    members.push(`responses: { ${responseTypes.join('; ')} };`);
    routeLines.push(...indent(doc, 1), `  ${quote(route.key)}: {`, ...members.map((m) => `    ${m}`), '  };');
  }

  const sorted = [...declarations.entries()].sort(byKey).map(([, text]) => text);
  return [
    header.trimEnd(),
    '',
    ...sorted.flatMap((text) => [text, '']),
    '/** Every route of the API: path parameters, query, headers, JSON body and the response per status (`unknown`: not JSON). */',
    'export interface ApiRoutes {',
    ...routeLines,
    '}',
    '',
    '/** Every route by its operationId, the name of the SDK method that calls it (the server\'s schemas set it). */',
    'export const API_OPERATIONS = {',
    ...routes.map((route): [string, string] => [operationIdOf(route), route.key]).sort(byKey).map(([id, key]) => `  ${propertyKey(id)}: ${quote(key)},`),
    '} as const;',
    '',
  ].join('\n');
}

/** Routes sorted by path then method, keyed `METHOD /path` without the prefix. */
function routesOf(document: OpenApiDocument, prefix: string): Route[] {
  const routes: Route[] = [];
  for (const [fullPath, operations] of Object.entries(document.paths)) {
    const path = fullPath.startsWith(prefix) ? fullPath.slice(prefix.length) || '/' : fullPath;
    for (const [method, operation] of Object.entries(operations)) {
      if (!METHOD_ORDER.includes(method)) continue;
      routes.push({ key: `${method.toUpperCase()} ${path}`, path, operation });
    }
  }
  return routes.sort((a, b) => compare(a.path, b.path) || METHOD_ORDER.indexOf(a.key.split(' ')[0].toLowerCase()) - METHOD_ORDER.indexOf(b.key.split(' ')[0].toLowerCase()));
}

function findShape(routes: Route[], at: string): JsonSchema {
  const match = /^([A-Z]+) (\S+) ((?:\d{3}|body|query\.[\w-]+))((?:\.[\w-]+|\[\])*)$/.exec(at);
  if (!match) throw new Error(`Naming plan: "${at}" is not "<METHOD> <path> <status|body|query.name>[.property|[]]…".`);
  const [, method, path, place, steps] = match;
  const route = routes.find((r) => r.key === `${method} ${path}`);
  if (!route) throw new Error(`Naming plan: no route ${method} ${path} in the OpenAPI document (was it renamed?).`);
  let schema: JsonSchema | undefined;
  if (place === 'body') schema = route.operation.requestBody?.content?.[JSON_MEDIA]?.schema;
  else if (place.startsWith('query.')) schema = route.operation.parameters?.find((p) => p.in === 'query' && p.name === place.slice(6))?.schema;
  else schema = route.operation.responses?.[place]?.content?.[JSON_MEDIA]?.schema;
  for (const step of steps.match(/\.[\w-]+|\[\]/g) ?? []) {
    if (!schema) break;
    schema = step === '[]' ? (Array.isArray(schema.items) ? undefined : schema.items) : schema.properties?.[step.slice(1)];
  }
  if (!schema) throw new Error(`Naming plan: nothing at "${at}" in the OpenAPI document (did the route's schema change?).`);
  return schema;
}

/** Calls `visit` on every schema of an operation, nested ones included. */
function visitSchemas(operation: OpenApiOperation, visit: (schema: JsonSchema) => void): void {
  const walk = (schema: JsonSchema | undefined): void => {
    if (!schema || typeof schema !== 'object') return;
    visit(schema);
    for (const child of Object.values(schema.properties ?? {})) walk(child);
    if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties);
    for (const child of [schema.items ?? [], schema.oneOf ?? [], schema.anyOf ?? [], schema.allOf ?? []].flat()) walk(child);
  };
  for (const parameter of operation.parameters ?? []) walk(parameter.schema);
  walk(operation.requestBody?.content?.[JSON_MEDIA]?.schema);
  for (const response of Object.values(operation.responses ?? {})) walk(response.content?.[JSON_MEDIA]?.schema);
}

/** Named shapes, looked up by structure: the first name given to a structure wins, later names become aliases. */
class ShapeNames {
  private readonly byShape = new Map<string, string>();
  private readonly entries: { name: string; schema: JsonSchema }[] = [];

  add(name: string, schema: JsonSchema): void {
    if (this.entries.some((e) => e.name === name)) {
      if (canonical(this.entries.find((e) => e.name === name)!.schema) === canonical(schema)) return;
      throw new Error(`Two different schemas are both named ${name}; rename one (title or naming plan).`);
    }
    const isPlainScalar = !schema.enum && schema.const === undefined && !schema.properties && !schema.items && !schema.oneOf && !schema.anyOf && !schema.allOf
      && schema.type !== 'object' && !schema.$ref;
    if (isPlainScalar) throw new Error(`${name} would name a plain ${String(schema.type)}: every ${String(schema.type)} would become ${name}. Name an object, array or enum.`);
    this.entries.push({ name, schema });
    const key = canonical(schema);
    if (!this.byShape.has(key)) this.byShape.set(key, name);
  }

  nameOf(schema: JsonSchema): string | undefined {
    return this.byShape.get(canonical(schema));
  }

  all(): { name: string; schema: JsonSchema }[] {
    return this.entries;
  }
}

class Renderer {
  constructor(private readonly names: ShapeNames, private readonly document: OpenApiDocument) {}

  /** `export interface Name { … }` for objects with properties, `export type Name = …` otherwise. */
  declaration(name: string, schema: JsonSchema): string {
    const first = this.names.nameOf(schema);
    const doc = this.doc(schema.description, schema);
    if (first && first !== name) return [...doc, `export type ${name} = ${first};`].join('\n');
    const isInterface = schemaTypes(schema).includes('object') && schema.properties && Object.keys(schema.properties).length > 0 && !schema.nullable && schemaTypes(schema).length === 1
      && !schema.oneOf && !schema.anyOf && !schema.allOf;
    if (isInterface) return [...doc, `export interface ${name} ${this.object(schema, 0)}`].join('\n');
    return [...doc, `export type ${name} = ${this.type(schema, 0, true)};`].join('\n');
  }

  /** A schema as a type expression; named shapes are referenced by name unless `top` (their own declaration). */
  type(schema: JsonSchema, depth: number, top = false): string {
    if (!top) {
      const name = this.names.nameOf(schema);
      if (name) return name;
    }
    const base = this.baseType(schema, depth);
    return schema.nullable && base !== 'null' && base !== 'unknown' ? `${wrap(base)} | null` : base;
  }

  private baseType(schema: JsonSchema, depth: number): string {
    if (schema.$ref) return this.ref(schema.$ref);
    if (schema.const !== undefined) return literal(schema.const);
    if (schema.enum) return schema.enum.map(literal).join(' | ');
    if (schema.oneOf || schema.anyOf) return union((schema.oneOf ?? schema.anyOf)!.map((s) => this.type(s, depth)));
    if (schema.allOf) return schema.allOf.map((s) => wrap(this.type(s, depth))).join(' & ');
    const types = schemaTypes(schema);
    if (types.length === 0) return schema.properties || schema.additionalProperties !== undefined ? this.object(schema, depth) : 'unknown';
    return union(types.map((type) => {
      switch (type) {
        case 'string': return 'string';
        case 'integer':
        case 'number': return 'number';
        case 'boolean': return 'boolean';
        case 'null': return 'null';
        case 'array': return this.array(schema, depth);
        case 'object': return this.object(schema, depth);
        default: throw new Error(`Unsupported JSON schema type "${type}".`);
      }
    }));
  }

  private array(schema: JsonSchema, depth: number): string {
    if (Array.isArray(schema.items)) return `[${schema.items.map((s) => this.type(s, depth)).join(', ')}]`;
    const item = schema.items ? this.type(schema.items, depth) : 'unknown';
    return /^[\w.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
  }

  /** An object literal type; properties keep the schema's order (as written in the server). */
  object(schema: JsonSchema, depth: number): string {
    const required = new Set(schema.required ?? []);
    const pad = '  '.repeat(depth + 1);
    const lines: string[] = [];
    const propertyTypes: string[] = [];
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      const type = this.type(property, depth + 1);
      propertyTypes.push(type);
      lines.push(...this.doc(property.description, property).map((line) => pad + line));
      lines.push(`${pad}${propertyKey(key)}${required.has(key) ? '' : '?'}: ${type};`);
    }
    const extra = schema.additionalProperties;
    if (extra === true || (extra === undefined && !schema.properties)) lines.push(`${pad}[key: string]: unknown;`);
    else if (extra && typeof extra === 'object') {
      const valueType = this.type(extra, depth + 1);
      // An index signature must admit every declared property's type too.
      lines.push(`${pad}[key: string]: ${propertyTypes.length ? union([valueType, ...propertyTypes, ...(required.size < propertyTypes.length ? ['undefined'] : [])]) : valueType};`);
    }
    if (lines.length === 0) return 'Record<string, never>';
    return `{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`;
  }

  /** `{ a: string; b?: number }` on one line, for path parameters and headers. */
  inlineParameters(parameters: OpenApiParameter[]): string {
    const members = parameters.map((p) => `${propertyKey(p.name)}${p.in === 'path' || p.required ? '' : '?'}: ${this.type(p.schema ?? {}, 2)}`);
    return `{ ${members.join('; ')} }`;
  }

  /** JSDoc lines: the description plus the constraints a caller must respect. */
  doc(description: string | undefined, schema: JsonSchema = {}): string[] {
    const notes: string[] = [];
    const range = (min: number | undefined, max: number | undefined, what: string) => {
      if (min !== undefined && max !== undefined) notes.push(`${what}${min}..${max}.`);
      else if (min !== undefined) notes.push(`${what}at least ${min}.`);
      else if (max !== undefined) notes.push(`${what}at most ${max}.`);
    };
    range(schema.minimum, schema.maximum, '');
    range(schema.minLength, schema.maxLength, 'Length ');
    range(schema.minItems, schema.maxItems, 'Items ');
    if (schema.pattern) notes.push(`Pattern \`${schema.pattern}\`.`);
    if (schema.format) notes.push(`Format ${schema.format}.`);
    if (schema.default !== undefined) notes.push(`@default ${JSON.stringify(schema.default)}`);
    const text = [description?.trim(), ...notes].filter(Boolean).join(' ').replace(/\*\//g, '*\\/');
    if (!text) return [];
    return text.length <= 110 && !text.includes('\n') ? [`/** ${text} */`] : ['/**', ...wrapText(text, 110).map((line) => ` * ${line}`), ' */'];
  }

  private ref(ref: string): string {
    const match = /^#\/components\/schemas\/(.+)$/.exec(ref);
    const schema = match ? this.document.components?.schemas?.[match[1]] : undefined;
    if (!match || !schema) throw new Error(`Cannot resolve $ref "${ref}".`);
    return this.names.nameOf(schema) ?? typeName(schema.title ?? match[1]);
  }
}

function parametersSchema(parameters: OpenApiParameter[]): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: parameters.filter((p) => p.required).map((p) => p.name),
    properties: Object.fromEntries(parameters.map((p) => [p.name, p.description ? { ...p.schema, description: p.description } : p.schema ?? {}])),
  };
}

/** The route's operationId; every route needs one, since it names the SDK method and the generated types. */
function operationIdOf(route: Route): string {
  const id = route.operation.operationId;
  if (!id) throw new Error(`${route.key} has no operationId: add one to its schema (e.g. operationId: 'listThings'); it names the SDK method and the generated types.`);
  return id;
}

function typeName(text: string): string {
  return text.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

function schemaTypes(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  return schema.properties ? ['object'] : [];
}

/** Key-sorted JSON: two schemas with the same canonical text describe the same shape. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).sort(byKey).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A JSON value as a TypeScript literal type (strings single-quoted, as in the rest of the code). */
function literal(value: unknown): string {
  return typeof value === 'string' ? quote(value) : JSON.stringify(value);
}

function union(types: string[]): string {
  const unique = [...new Set(types)];
  return unique.length === 1 ? unique[0] : unique.map(wrap).join(' | ');
}

/** Parenthesizes a union or intersection so it can be combined with `|`, `&` or `[]`. */
function wrap(type: string): string {
  let depth = 0;
  let quoted = false;
  let escaped = false;
  for (const char of type) {
    if (quoted) {
      if (char === "'" && !escaped) quoted = false;
      escaped = char === '\\' && !escaped;
      continue;
    }
    if (char === "'") quoted = true;
    if ('{([<'.includes(char)) depth++;
    else if ('})]>'.includes(char)) depth--;
    else if (depth === 0 && (char === '|' || char === '&')) return `(${type})`;
  }
  return type;
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key);
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function indent(lines: string[], depth: number): string[] {
  return lines.map((line) => '  '.repeat(depth) + line);
}

function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byKey<T>(a: [string, T], b: [string, T]): number {
  return compare(a[0], b[0]);
}
