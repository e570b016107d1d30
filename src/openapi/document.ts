import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ruleFor, type Rule } from '../access/rules.ts';
import { policyObject } from '../policy/validation.ts';
import { OPERATIONS, type ApiOperation } from './registry.ts';
import {
  ConflictSchema,
  CustomerSchema,
  DealSchema,
  ErrorSchema,
  GradeChangeSchema,
  PolicyPreviewSchema,
  PolicySavedSchema,
  PolicySchema,
  PolicyVersionInfoSchema,
  PolicyVersionSchema,
  ProspectSchema,
  SignalSchema,
  UserSchema,
  ValidationErrorSchema,
} from './schemas.ts';

// The OpenAPI 3.1 document of /api, built from the registry's zod schemas with zod's own
// z.toJSONSchema (JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Built once per process.

export type JsonSchema = Record<string, unknown>;
type Doc = Record<string, unknown> & { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } };
export type Parameter = { name: string; in: 'path' | 'query'; required: boolean; description?: string; schema: JsonSchema };
export type Operation = {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  'x-access': string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> } | { $ref: string }>;
};

/** Schemas shared by several operations, kept once under components.schemas. */
const COMPONENTS = new Map<z.ZodType, string>([
  [PolicySchema, 'Policy'],
  [ProspectSchema, 'Prospect'],
  [CustomerSchema, 'Customer'],
  [SignalSchema, 'Signal'],
  [GradeChangeSchema, 'GradeChange'],
  [DealSchema, 'Deal'],
  [UserSchema, 'User'],
  [PolicyVersionInfoSchema, 'PolicyVersionInfo'],
  [PolicyVersionSchema, 'PolicyVersion'],
  [PolicySavedSchema, 'PolicySaved'],
  [PolicyPreviewSchema, 'PolicyPreview'],
  [ErrorSchema, 'Error'],
  [ValidationErrorSchema, 'ValidationError'],
  [ConflictSchema, 'Conflict'],
]);

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The editor's bodies take the policy whole or in part: validated whole once merged over the one in force. */
const POLICY_OVERRIDES = { ...ref('Policy'), description: 'The whole policy, or only the fields to change (objects merge, lists replace); the result is validated whole.' };

/**
 * A zod schema as JSON Schema. For requests ("input"), a field is required only when the schema
 * refuses it missing (this codebase's optional fields are preprocessed to null, which zod would
 * otherwise list as required). Shared schemas become references, except `self`.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output', self?: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: (ctx) => {
      const s = ctx.zodSchema as unknown as z.ZodType;
      const name = s !== self ? COMPONENTS.get(s) : undefined;
      const json = ctx.jsonSchema as JsonSchema;
      const as = name ? ref(name) : s === policyObject ? POLICY_OVERRIDES : undefined;
      if (as) {
        for (const k of Object.keys(json)) delete json[k];
        Object.assign(json, as);
        return;
      }
      // z.number().int() says "at most 2^53 - 1": true, and noise on every id.
      if (json.maximum === Number.MAX_SAFE_INTEGER) delete json.maximum;
      if (json.minimum === Number.MIN_SAFE_INTEGER) delete json.minimum;
      const def = (s as unknown as { _zod: { def: { type: string; shape?: Record<string, z.ZodType> } } })._zod.def;
      if (io === 'input' && def.type === 'object' && def.shape) {
        const required = Object.entries(def.shape)
          .filter(([, v]) => !v.safeParse(undefined).success)
          .map(([k]) => k);
        if (required.length) json.required = required;
        else delete json.required;
      }
    },
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

const RULE_TEXT = (rule: Rule | undefined): string => {
  if (!rule) return 'nobody (no access rule yet)';
  switch (rule.kind) {
    case 'public':
      return 'anyone, without a token';
    case 'signedIn':
      return 'any user (rep, manager, admin)';
    case 'atLeast':
      return rule.role === 'admin' ? 'admins' : 'managers and admins';
    case 'ownsAccount':
      return 'managers and admins; a rep only on an account they own';
    case 'ownsDeal':
      return "managers and admins; a rep only on a deal of an account they own";
  }
};

/** "/api/prospects/:id" → "/api/prospects/{id}". */
export const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)/g, '{$1}');

const operationId = (op: ApiOperation) =>
  op.method.toLowerCase() +
  op.path
    .replace(/^\/api/, '')
    .split(/[/.:-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

function parametersOf(op: ApiOperation): Parameter[] {
  const out: Parameter[] = [];
  for (const [, name] of op.path.matchAll(/:(\w+)/g)) {
    const p = op.params?.[name!];
    out.push({ name: name!, in: 'path', required: true, description: p?.description, schema: p ? jsonSchemaOf(p.schema, 'input') : { type: 'integer', minimum: 1 } });
  }
  if (op.query) {
    const q = jsonSchemaOf(op.query, 'input');
    const required = new Set((q.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...rest } = schema;
      out.push({ name, in: 'query', required: required.has(name), ...(description ? { description: String(description) } : {}), schema: rest });
    }
  }
  return out;
}

function operationOf(op: ApiOperation): Operation {
  const access = RULE_TEXT(ruleFor(op.method, op.path));
  const responses: Operation['responses'] = {};
  for (const r of op.responses) {
    responses[String(r.status)] = { description: r.description, ...(r.schema ? { content: { 'application/json': { schema: jsonSchemaOf(r.schema, 'output') } } } : {}) };
  }
  const json = !!op.body;
  if (json) responses['400'] ??= { $ref: '#/components/responses/BadJson' };
  if (!op.public) {
    responses['401'] ??= { $ref: '#/components/responses/Unauthorized' };
    responses['403'] ??= { $ref: '#/components/responses/Forbidden' };
  }
  if (op.body || op.query) responses['422'] ??= { $ref: '#/components/responses/ValidationFailed' };
  const parameters = parametersOf(op);
  return {
    operationId: operationId(op),
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    'x-access': access,
    ...(op.public ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: !op.bodyOptional, content: { 'application/json': { schema: jsonSchemaOf(op.body, 'input') } } } }
      : op.rawBody
        ? { requestBody: { required: true, description: op.rawBody.description, content: { [op.rawBody.contentType]: { schema: { type: 'string' } } } } }
        : {}),
    responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
  };
}

const appVersion = (): string => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
};

const errorContent = (name: string) => ({ 'application/json': { schema: ref(name) } });

export function buildOpenApi(operations: readonly ApiOperation[] = OPERATIONS): Doc {
  const paths: Doc['paths'] = {};
  for (const op of operations) (paths[openApiPath(op.path)] ??= {})[op.method.toLowerCase()] = operationOf(op);
  const schemas: Record<string, JsonSchema> = {};
  for (const [schema, name] of COMPONENTS) schemas[name] = jsonSchemaOf(schema, 'output', schema);
  return {
    openapi: '3.1.0',
    info: {
      title: 'pipegrade API',
      version: appVersion(),
      description:
        'The JSON twin of every page action. Every route needs a personal API token (`Authorization: Bearer pgt_…`, made on /me or with `npm run user:create -- --token`), acting as its user with their role; the session cookie is never accepted. Bad input is answered 422 with an issue per field, malformed JSON 400, unknown ids 404, an edit based on an old version 409, and the database unreachable 503 with Retry-After.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'pgt_…', description: 'A personal API token. Make one on your page (/me); it acts as you, with your role.' },
      },
      schemas,
      responses: {
        BadJson: { description: 'The body is not valid JSON (400), or not JSON at all (415).', content: errorContent('Error') },
        Unauthorized: { description: 'No valid token: send Authorization: Bearer <token>.', content: errorContent('Error') },
        Forbidden: { description: "The token's user may not do this (their role, or an account they do not own).", content: errorContent('Error') },
        ValidationFailed: { description: 'Bad input: an issue per field.', content: errorContent('ValidationError') },
      },
    },
  } as Doc;
}

let built: Doc | undefined;
/** The document, built on first use (a few milliseconds) and kept: the schemas do not change while the app runs. */
export const openApiDocument = () => (built ??= buildOpenApi());
