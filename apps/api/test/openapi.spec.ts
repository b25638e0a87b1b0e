import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { docsPage, typeText, type OpenApiDocument, type Schema } from '../src/openapi/openapi-docs';

/** The build's own generator (tools/openapi.cjs), loaded by path: it is a build tool, not a library. */
const OPENAPI_TOOL = join(__dirname, '../../../tools/openapi.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS build tool, loaded by path
const { buildOpenApi, openApiPath } = require(OPENAPI_TOOL) as {
  buildOpenApi: (root: string) => OpenApiDocument;
  openApiPath: (prefix: string, path: string) => string;
};

type Ctor = new (...args: never[]) => object;

/** Every route Nest registers for the api, as "METHOD /path". */
function registeredRoutes(): string[] {
  const controllers = Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, AppModule) as Ctor[];
  const routes: string[] = [];
  for (const controller of controllers) {
    const prefix = Reflect.getMetadata(PATH_METADATA, controller) as string;
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (typeof handler !== 'function' || name === 'constructor') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (method === undefined || path === undefined) continue;
      routes.push(
        `${RequestMethod[method]} ${openApiPath(prefix === '/' ? '' : prefix, path === '/' ? '' : path)}`,
      );
    }
  }
  return routes.sort();
}

describe('the OpenAPI document', () => {
  let doc: OpenApiDocument;
  beforeAll(() => {
    doc = buildOpenApi(join(__dirname, '../../..'));
  }, 120_000);

  const operation = (method: string, path: string) =>
    doc.paths[path]?.[method] as unknown as Record<string, unknown>;

  it('describes exactly the routes Nest registers', () => {
    const documented = Object.entries(doc.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(registeredRoutes());
    expect(documented.length).toBeGreaterThan(70);
  });

  it('gives each route the role the guard asks for, and marks the public ones', () => {
    expect(operation('post', '/v1/incidents/{id}/acknowledge')['x-tocsin-role']).toBe('responder');
    expect(operation('get', '/v1/incidents')['x-tocsin-role']).toBe('read-only');
    expect(operation('delete', '/v1/integrations/{id}')['x-tocsin-role']).toBe('admin');
    expect(operation('get', '/ical/{token}').security).toEqual([]);
    expect(operation('get', '/openapi.json').security).toEqual([]);
    expect(operation('get', '/v1/incidents')).not.toHaveProperty('security');
  });

  it('types answers, bodies and parameters from the controllers and libs/contracts', () => {
    const list = operation('get', '/v1/incidents') as { parameters: { name: string; in: string }[] };
    expect(list.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:status', 'query:integrationId', 'query:limit', 'query:cursor']),
    );
    const incident = doc.components.schemas.IncidentView;
    expect(incident.required).toEqual(
      expect.arrayContaining(['id', 'number', 'status', 'title', 'severity']),
    );
    expect(incident.properties?.status).toEqual({
      type: 'string',
      enum: ['triggered', 'acknowledged', 'resolved'],
    });
    expect(incident.properties?.resolvedAt).toEqual({ type: ['string', 'null'] });
    const page = (
      operation('get', '/v1/incidents').responses as Record<
        string,
        { content: Record<string, { schema: Schema }> }
      >
    )['200'].content['application/json'].schema;
    expect(page.properties?.items).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/IncidentView' },
    });
    const create = operation('post', '/v1/integrations') as {
      requestBody: { content: Record<string, { schema: Schema }> };
    };
    expect(create.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CreateIntegrationRequest',
    });
    expect(doc.components.schemas.CreateIntegrationRequest.required).toContain('name');
    const feed = operation('get', '/ical/{token}').responses as Record<
      string,
      { content: Record<string, unknown> }
    >;
    expect(Object.keys(feed['200'].content)).toEqual(['text/calendar']);
    const removed = operation('delete', '/v1/users/{id}').responses as Record<string, { content?: unknown }>;
    expect(removed['204'].content).toBeUndefined();
  });

  it('leaves no reference to a schema it does not define', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    for (const ref of new Set(refs)) expect(Object.keys(doc.components.schemas)).toContain(ref);
  });

  it('renders a reference page that escapes what it shows and links every named type', () => {
    const page = docsPage(doc);
    expect(page).toContain('POST</span> /v1/incidents/{id}/acknowledge');
    expect(page).toContain('id="schema-IncidentView"');
    expect(page).not.toMatch(/<script/i);
    expect(typeText({ type: 'object', properties: { '<b>': { type: 'string' } }, required: [] })).toContain(
      '&lt;b&gt;?: string',
    );
  });
});
