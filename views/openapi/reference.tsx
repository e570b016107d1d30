import type { Child } from 'hono/jsx';
import type { JsonSchema, Operation, Parameter } from '../../src/openapi/document.ts';
import { Layout } from '../layout.tsx';

// The API reference, rendered on the server from the OpenAPI document: every operation with its
// parameters, request body and responses, and the shared schemas once at the end. No script.

type Doc = {
  info: { title: string; version: string; description: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }> };
};

const refName = (r: string) => r.split('/').at(-1)!;

function constraints(s: JsonSchema): string {
  const out: string[] = [];
  if (s.format) out.push(String(s.format));
  if (s.minimum !== undefined && s.maximum !== undefined) out.push(`${s.minimum}–${s.maximum}`);
  else if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
  else if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`);
  if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
  if (s.minLength !== undefined && Number(s.minLength) > 0) out.push(`at least ${s.minLength} characters`);
  if (s.maxLength !== undefined) out.push(`at most ${s.maxLength} characters`);
  if (s.minItems !== undefined && Number(s.minItems) > 0) out.push(`at least ${s.minItems}`);
  if (s.maxItems !== undefined) out.push(`at most ${s.maxItems} items`);
  if (s.pattern) out.push(`matching ${s.pattern}`);
  if (s.default !== undefined && typeof s.default !== 'object') out.push(`default ${JSON.stringify(s.default)}`);
  return out.join(', ');
}

/** A schema's type in a few words (objects' fields are listed apart). */
function TypeOf(props: { s: JsonSchema }): Child {
  const s = props.s;
  if (typeof s.$ref === 'string') return <a href={`#schema-${refName(s.$ref)}`}>{refName(s.$ref)}</a>;
  const variants = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (variants) {
    return (
      <>
        {variants.map((v, i) => (
          <>
            {i ? ' or ' : ''}
            <TypeOf s={v} />
          </>
        ))}
      </>
    );
  }
  if (s.const !== undefined) return <code>{JSON.stringify(s.const)}</code>;
  if (Array.isArray(s.enum)) return <>one of {(s.enum as unknown[]).map((e, i) => <>{i ? ', ' : ''}<code>{JSON.stringify(e)}</code></>)}</>;
  const type = Array.isArray(s.type) ? (s.type as string[]).join(' or ') : (s.type as string | undefined);
  if (type === 'array') {
    return (
      <>
        list of <TypeOf s={(s.items ?? {}) as JsonSchema} />
      </>
    );
  }
  if (type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties) {
    const v = s.additionalProperties as JsonSchema;
    return Object.keys(v).length ? (
      <>
        object of name → <TypeOf s={v} />
      </>
    ) : (
      <>object</>
    );
  }
  return <>{type ?? 'any'}</>;
}

/** The object a schema describes, if any: its own, or that of its list's items, or of a nullable variant. */
function objectOf(s: JsonSchema): JsonSchema | undefined {
  if (s.properties) return s;
  if (s.type === 'array' && s.items) return objectOf(s.items as JsonSchema);
  const variants = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (variants) for (const v of variants) if (objectOf(v)) return objectOf(v);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    const inner = s.additionalProperties as JsonSchema;
    return inner.properties ? inner : undefined;
  }
  return undefined;
}

export function SchemaView(props: { s: JsonSchema; depth?: number }): Child {
  const s = props.s;
  const depth = props.depth ?? 0;
  const obj = objectOf(s);
  const head = (
    <p class="schema-type">
      <TypeOf s={s} />
      {constraints(s) ? <span class="muted"> ({constraints(s)})</span> : null}
      {s.description ? <span> — {String(s.description)}</span> : null}
    </p>
  );
  if (!obj || depth > 8) return head;
  const required = new Set((obj.required as string[] | undefined) ?? []);
  return (
    <>
      {obj === s ? (s.description ? <p>{String(s.description)}</p> : null) : head}
      <table class="list fields">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Type</th>
            <th scope="col">About</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(obj.properties as Record<string, JsonSchema>).map(([name, p]) => {
            const nested = objectOf(p) && typeof p.$ref !== 'string';
            return (
              <tr>
                <td>
                  <code>{name}</code>
                  {required.has(name) ? <span class="req"> required</span> : null}
                </td>
                <td>
                  <TypeOf s={p} />
                </td>
                <td>
                  {[constraints(p), p.description ? String(p.description) : ''].filter(Boolean).join('. ')}
                  {nested ? (
                    <details>
                      <summary>its fields</summary>
                      <SchemaView s={objectOf(p)!} depth={depth + 1} />
                    </details>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {obj.additionalProperties === false ? <p class="muted small">No other fields are accepted.</p> : null}
    </>
  );
}

function Params(props: { params: Parameter[] }) {
  return (
    <table class="list fields">
      <thead>
        <tr>
          <th scope="col">Parameter</th>
          <th scope="col">In</th>
          <th scope="col">Type</th>
          <th scope="col">About</th>
        </tr>
      </thead>
      <tbody>
        {props.params.map((p) => (
          <tr>
            <td>
              <code>{p.name}</code>
              {p.required ? <span class="req"> required</span> : null}
            </td>
            <td>{p.in}</td>
            <td>
              <TypeOf s={p.schema} />
            </td>
            <td>{[constraints(p.schema), p.description ?? ''].filter(Boolean).join('. ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const anchor = (op: Operation) => `op-${op.operationId}`;

function OperationView(props: { method: string; path: string; op: Operation; responses: Doc['components']['responses'] }) {
  const { op } = props;
  const body = op.requestBody;
  return (
    <section class="card operation" id={anchor(op)} aria-labelledby={`${anchor(op)}-h`}>
      <h3 id={`${anchor(op)}-h`}>
        <span class={`method m-${props.method}`}>{props.method.toUpperCase()}</span> <code>{props.path}</code>
      </h3>
      <p>
        <strong>{op.summary}.</strong> {op.description ?? ''}
      </p>
      <p class="muted">Who may call it: {op['x-access']}.</p>
      {op.parameters?.length ? <Params params={op.parameters} /> : null}
      {body ? (
        <>
          <h4>Request body{body.required ? '' : ' (optional)'}</h4>
          {Object.entries(body.content).map(([type, c]) => (
            <>
              <p class="muted small">
                <code>{type}</code>
                {body.description ? ` — ${body.description}` : ''}
              </p>
              <SchemaView s={c.schema} />
            </>
          ))}
        </>
      ) : null}
      <h4>Responses</h4>
      <dl class="responses">
        {Object.entries(op.responses).map(([status, r]) => {
          const res = '$ref' in r ? props.responses[refName(r.$ref)]! : r;
          const schema = res.content?.['application/json']?.schema;
          return (
            <>
              <dt>
                <code>{status}</code>
              </dt>
              <dd>
                {res.description}
                {schema ? (
                  typeof schema.$ref === 'string' ? (
                    <>
                      {' '}
                      <TypeOf s={schema} />
                    </>
                  ) : (
                    <details>
                      <summary>its body</summary>
                      <SchemaView s={schema} />
                    </details>
                  )
                ) : null}
              </dd>
            </>
          );
        })}
      </dl>
    </section>
  );
}

export function ApiReferencePage(props: { doc: Doc }) {
  const d = props.doc;
  const ops = Object.entries(d.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  return (
    <Layout title="API reference" nav="none">
      <div class="api-ref">
        <h1>
          {d.info.title} <span class="muted small">version {d.info.version}</span>
        </h1>
        <p>{d.info.description}</p>
        <p>
          The same, as an OpenAPI 3.1 document: <a href="/api/openapi.json">/api/openapi.json</a>.
        </p>
        <nav aria-label="Operations" class="card">
          <h2>Operations</h2>
          {d.tags.map((t) => (
            <>
              <h3>{t.name}</h3>
              <ul class="op-list">
                {ops
                  .filter((o) => o.op.tags.includes(t.name))
                  .map((o) => (
                    <li>
                      <a href={`#${anchor(o.op)}`}>
                        <span class={`method m-${o.method}`}>{o.method.toUpperCase()}</span> <code>{o.path}</code>
                      </a>{' '}
                      {o.op.summary}
                    </li>
                  ))}
              </ul>
            </>
          ))}
        </nav>
        {d.tags.map((t) => (
          <>
            <h2>{t.name}</h2>
            {ops
              .filter((o) => o.op.tags.includes(t.name))
              .map((o) => (
                <OperationView method={o.method} path={o.path} op={o.op} responses={d.components.responses} />
              ))}
          </>
        ))}
        <h2>Schemas</h2>
        {Object.entries(d.components.schemas).map(([name, s]) => (
          <section class="card" id={`schema-${name}`} aria-labelledby={`schema-${name}-h`}>
            <h3 id={`schema-${name}-h`}>{name}</h3>
            <SchemaView s={s} />
          </section>
        ))}
      </div>
    </Layout>
  );
}
