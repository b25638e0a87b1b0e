import { escape } from '../paging/pages';

/** The parts of an OpenAPI 3.1 document the docs page reads. */
export interface OpenApiDocument {
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  parameters?: { name: string; in: string; required: boolean; description?: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  security?: unknown[];
  'x-tocsin-role'?: string;
}

export interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema;
  anyOf?: Schema[];
  allOf?: Schema[];
  description?: string;
}

/** A schema written the way TypeScript would write the type, with named types linked. */
export function typeText(schema: Schema, indent = ''): string {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return `<a href="#schema-${escape(name)}">${escape(name)}</a>`;
  }
  if (schema.allOf?.length === 1) return typeText(schema.allOf[0], indent);
  if (schema.anyOf) return schema.anyOf.map((s) => typeText(s, indent)).join(' | ');
  if (schema.const !== undefined) return escape(JSON.stringify(schema.const));
  if (schema.enum) return schema.enum.map((v) => escape(JSON.stringify(v))).join(' | ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const text = (type: string): string => {
    if (type === 'array') return `${wrap(typeText(schema.items ?? {}, indent))}[]`;
    if (type === 'object') return objectText(schema, indent);
    if (type === 'string' && schema.format) return `string <small>(${escape(schema.format)})</small>`;
    return escape(type);
  };
  return types.length > 0 ? types.map(text).join(' | ') : 'unknown';
}

function wrap(text: string): string {
  return text.includes(' | ') ? `(${text})` : text;
}

function objectText(schema: Schema, indent: string): string {
  const entries = Object.entries(schema.properties ?? {});
  const inner = `${indent}  `;
  const lines = entries.map(([name, property]) => {
    const optional = (schema.required ?? []).includes(name) ? '' : '?';
    const note = property.description
      ? ` <span class="note">// ${escape(property.description.split('\n')[0])}</span>`
      : '';
    return `${inner}${escape(name)}${optional}: ${typeText(property, inner)};${note}`;
  });
  if (schema.additionalProperties)
    lines.push(`${inner}[key: string]: ${typeText(schema.additionalProperties, inner)};`);
  return lines.length > 0 ? `{\n${lines.join('\n')}\n${indent}}` : '{}';
}

/** The reference page at /docs: every operation by tag, then every named schema. No scripts. */
export function docsPage(doc: OpenApiDocument): string {
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }]);
    }
  }
  const tags = [...byTag.keys()].sort();
  const operations = tags
    .map((tag) => {
      const items = (byTag.get(tag) ?? [])
        .map(({ method, path, op }) => operationHtml(method, path, op))
        .join('\n');
      return `<section id="tag-${escape(tag)}"><h2>${escape(tag)}</h2>\n${items}</section>`;
    })
    .join('\n');
  const schemas = Object.entries(doc.components.schemas)
    .map(
      ([name, schema]) =>
        `<section class="schema" id="schema-${escape(name)}"><h3>${escape(name)}</h3><pre>${typeText(schema)}</pre></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)} ${escape(doc.info.version)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#1a1a1a}
nav a{margin-right:.8rem;display:inline-block}
.op{border:1px solid #ccc;border-radius:4px;padding:.6rem .9rem;margin:.8rem 0}
.op h3{margin:.1rem 0;font-size:1rem;font-family:ui-monospace,monospace;overflow-wrap:anywhere}
.method{display:inline-block;min-width:4.2rem;font-weight:bold}
.role{float:right;font-size:.85rem;color:#444}
pre{background:#f5f5f5;padding:.5rem;overflow-x:auto;font-size:.85rem}
.note{color:#666}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
a:focus{outline:3px solid #06c}
</style></head>
<body><header><h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description ?? '')}</p>
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<nav aria-label="Resources">${tags.map((t) => `<a href="#tag-${escape(t)}">${escape(t)}</a>`).join(' ')}<a href="#schemas">schemas</a></nav></header>
<main>${operations}
<h2 id="schemas">Schemas</h2>
${schemas}</main></body></html>`;
}

function operationHtml(method: string, path: string, op: Operation): string {
  const role = op.security?.length === 0 ? 'no api key' : `role: ${op['x-tocsin-role'] ?? 'read-only'}`;
  const params = op.parameters ?? [];
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}${p.required ? ', required' : ''}</td><td><code>${typeText(p.schema)}</code></td><td>${escape(p.description ?? '')}</td></tr>`,
    )
    .join('');
  const body = op.requestBody ? Object.entries(op.requestBody.content)[0] : undefined;
  const answers = Object.entries(op.responses)
    .filter(([status]) => status !== 'default')
    .map(([status, response]) => {
      const content = response.content ? Object.entries(response.content)[0] : undefined;
      if (!content) return `<p>Answers ${escape(status)}, ${escape(response.description)}.</p>`;
      const [type, { schema }] = content;
      return `<p>Answers ${escape(status)} (${escape(type)}):</p><pre>${typeText(schema)}</pre>`;
    })
    .join('');
  return `<article class="op" id="op-${escape(op.operationId)}">
<h3><span class="method">${escape(method.toUpperCase())}</span> ${escape(path)} <span class="role">${escape(role)}</span></h3>
<p>${escape(op.summary)}</p>${op.description && op.description !== op.summary ? `<p>${escape(op.description)}</p>` : ''}
${params.length > 0 ? `<table><thead><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr></thead><tbody>${paramRows}</tbody></table>` : ''}
${body ? `<p>Body (${escape(body[0])}):</p><pre>${typeText(body[1].schema)}</pre>` : ''}
${answers}
<p class="note">Errors: a JSON body <a href="#schema-ErrorBody">ErrorBody</a> with the reason.</p>
</article>`;
}
