#!/usr/bin/env node
// The api's OpenAPI document, read from its controllers' TypeScript: each route's method and
// path from its Nest decorators, its path and query parameters, its body and its answer from the
// declared types (which the TypeScript checker resolves through libs/contracts), the role it needs
// from @Roles / @Public, and its description from the method's doc comment. `node tools/build.mjs`
// writes it to dist/apps/api/openapi.json, which the api serves at /openapi.json and /docs; a test
// compares its routes with those Nest registers.
const ts = require('typescript');
const { readdirSync, readFileSync, writeFileSync, mkdirSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const HTTP_METHODS = { Get: 'get', Post: 'post', Put: 'put', Patch: 'patch', Delete: 'delete' };

/** Controllers of the api: every *.controller.ts under apps/api/src. */
function controllerFiles(root) {
  const dir = join(root, 'apps/api/src');
  return readdirSync(dir, { recursive: true })
    .filter((name) => String(name).endsWith('.controller.ts'))
    .map((name) => join(dir, String(name)))
    .sort();
}

function decoratorsOf(node) {
  return (ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : []).map((d) => {
    const call = ts.isCallExpression(d.expression) ? d.expression : undefined;
    const callee = call ? call.expression : d.expression;
    return {
      name: ts.isIdentifier(callee) ? callee.text : callee.getText(),
      args: call ? [...call.arguments] : [],
    };
  });
}

const literal = (node) =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

/** Joins a controller prefix and a route path, with `:name` as `{name}`. */
function openApiPath(prefix, path) {
  const joined =
    `/${[prefix, path].filter(Boolean).join('/')}`.replace(/\/+/g, '/').replace(/\/$/, '') || '/';
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

class SchemaWriter {
  constructor(checker) {
    this.checker = checker;
    /** Named schemas, by component name. */
    this.components = {};
    this.naming = new Map();
  }

  /** The JSON Schema of a type: named interfaces, classes and aliases become components. */
  schema(type, depth = 0) {
    const { checker } = this;
    const f = type.flags;
    if (f & ts.TypeFlags.Any || f & ts.TypeFlags.Unknown) return {};
    if (f & ts.TypeFlags.StringLiteral) return { type: 'string', const: type.value };
    if (f & ts.TypeFlags.NumberLiteral) return { type: 'number', const: type.value };
    if (f & ts.TypeFlags.BooleanLiteral)
      return { type: 'boolean', const: checker.typeToString(type) === 'true' };
    if (f & ts.TypeFlags.String || f & ts.TypeFlags.TemplateLiteral) return { type: 'string' };
    if (f & ts.TypeFlags.Number) return { type: 'number' };
    if (f & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (f & ts.TypeFlags.Null) return { type: 'null' };
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return {};
    if (type.isUnion()) return this.union(type, depth);
    const symbol = type.aliasSymbol ?? type.getSymbol();
    if (symbol?.getName() === 'Date') return { type: 'string', format: 'date-time' };
    if (checker.isArrayType(type) || checker.isTupleType(type)) {
      const [item] = checker.getTypeArguments(type);
      return { type: 'array', items: item ? this.schema(item, depth + 1) : {} };
    }
    if (type.isIntersection()) {
      // An array narrowed by an intersection (`X[] & Y[]`) is still an array.
      const arrays = type.types.filter((t) => checker.isArrayType(t));
      const typed = arrays.find(
        (t) => !(checker.getTypeArguments(t)[0]?.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)),
      );
      if (typed ?? arrays[0]) return this.schema(typed ?? arrays[0], depth);
    }
    if (f & ts.TypeFlags.Object || type.isIntersection()) return this.object(type, depth);
    return {};
  }

  union(type, depth) {
    const members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)));
    const nullable = members.some((t) => t.flags & ts.TypeFlags.Null);
    const rest = members.filter((t) => !(t.flags & ts.TypeFlags.Null));
    let schema;
    if (rest.length > 0 && rest.every((t) => t.flags & ts.TypeFlags.StringLiteral)) {
      schema = { type: 'string', enum: rest.map((t) => t.value) };
    } else if (rest.length > 0 && rest.every((t) => t.flags & ts.TypeFlags.BooleanLiteral)) {
      schema = { type: 'boolean' };
    } else if (rest.length === 1) {
      schema = this.schema(rest[0], depth);
    } else {
      schema = { anyOf: rest.map((t) => this.schema(t, depth + 1)) };
    }
    if (!nullable) return schema;
    if (typeof schema.type === 'string' && !schema.$ref) {
      const withNull = { ...schema, type: [schema.type, 'null'] };
      if (withNull.enum) withNull.enum = [...withNull.enum, null];
      return withNull;
    }
    return { anyOf: [schema, { type: 'null' }] };
  }

  /** A named, non-generic type declared in the project: a component; anything else inline. */
  componentName(type) {
    const symbol = type.aliasSymbol ?? type.getSymbol();
    if (!symbol || symbol.getName().startsWith('__')) return undefined;
    if ((type.aliasTypeArguments?.length ?? 0) > 0 || (type.typeArguments?.length ?? 0) > 0) return undefined;
    const declaration = symbol.getDeclarations()?.[0];
    if (!declaration || declaration.getSourceFile().fileName.includes('/node_modules/')) return undefined;
    return symbol.getName();
  }

  object(type, depth) {
    const name = depth > 0 ? this.componentName(type) : undefined;
    if (name) {
      if (!(name in this.components)) {
        this.components[name] = {};
        this.components[name] = this.properties(type, depth);
      }
      return { $ref: `#/components/schemas/${name}` };
    }
    if (depth > 12) return { type: 'object' };
    return this.properties(type, depth);
  }

  properties(type, depth) {
    const { checker } = this;
    const properties = {};
    const required = [];
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration ?? property.getDeclarations()?.[0];
      if (declaration && (ts.isMethodDeclaration(declaration) || ts.isMethodSignature(declaration))) continue;
      const propertyType = declaration
        ? checker.getTypeOfSymbolAtLocation(property, declaration)
        : checker.getTypeOfSymbol(property);
      if (propertyType.getCallSignatures().length > 0) continue;
      const schema = { ...this.schema(propertyType, depth + 1) };
      const description = ts.displayPartsToString(property.getDocumentationComment(checker)).trim();
      if (description) {
        properties[property.getName()] = schema.$ref
          ? { allOf: [schema], description }
          : { ...schema, description };
      } else {
        properties[property.getName()] = schema;
      }
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
      if (!optional) required.push(property.getName());
    }
    const schema = { type: 'object', properties };
    if (required.length > 0) schema.required = required;
    const index = checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & ts.TypeFlags.String);
    if (index) schema.additionalProperties = this.schema(index.type, depth + 1);
    return schema;
  }
}

function unwrapPromise(checker, type) {
  const symbol = type.getSymbol();
  if (symbol?.getName() === 'Promise') return checker.getTypeArguments(type)[0] ?? type;
  return type;
}

function docOf(checker, node) {
  const symbol = node.name ? checker.getSymbolAtLocation(node.name) : undefined;
  return symbol ? ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() : '';
}

/** The first sentence of a doc comment, on one line. */
function summaryOf(description) {
  const flat = description.replace(/\s+/g, ' ').trim();
  const sentence = /^(.+?\.)(\s|$)/.exec(flat)?.[1] ?? flat;
  return sentence.replace(/\.$/, '');
}

/** The text of a doc tag (`@produces text/html`), if the node has it. */
function docTag(node, name) {
  const tag = ts.getJSDocTags(node).find((t) => t.tagName.text === name);
  const text = typeof tag?.comment === 'string' ? tag.comment : ts.getTextOfJSDocComment(tag?.comment);
  return text?.trim() || undefined;
}

/** Builds the document from the controllers under `root`. */
function buildOpenApi(root) {
  const files = controllerFiles(root);
  const config = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile).config;
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram(files, { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const writer = new SchemaWriter(checker);
  const paths = {};
  const tags = new Set();
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

  for (const file of files) {
    const source = program.getSourceFile(file);
    for (const statement of source.statements) {
      if (!ts.isClassDeclaration(statement) || !statement.name) continue;
      const classDecorators = decoratorsOf(statement);
      const controller = classDecorators.find((d) => d.name === 'Controller');
      if (!controller) continue;
      const prefix = literal(controller.args[0]) ?? '';
      const classPublic = classDecorators.some((d) => d.name === 'Public');
      const classRole = literal(classDecorators.find((d) => d.name === 'Roles')?.args[0]);
      // A controller may name the group its routes are listed under (`@tag <name>` in its doc comment).
      const classTag = docTag(statement, 'tag');

      for (const member of statement.members) {
        if (!ts.isMethodDeclaration(member)) continue;
        const decorators = decoratorsOf(member);
        const route = decorators.find((d) => d.name in HTTP_METHODS);
        if (!route) continue;
        const method = HTTP_METHODS[route.name];
        const path = openApiPath(prefix, literal(route.args[0]) ?? '');
        const tag = classTag ?? path.replace(/^\/v1\//, '/').split('/')[1];
        const isPublic = classPublic || decorators.some((d) => d.name === 'Public');
        const role =
          literal(decorators.find((d) => d.name === 'Roles')?.args[0]) ??
          classRole ??
          (method === 'get' ? 'read-only' : 'admin');
        const codeArg = decorators.find((d) => d.name === 'HttpCode')?.args[0];
        const status =
          codeArg && ts.isNumericLiteral(codeArg) ? codeArg.text : method === 'post' ? '201' : '200';
        // A route that writes its own answer declares its content type: `@produces <type>`.
        const contentType = docTag(member, 'produces') ?? 'application/json';

        const parameters = [];
        let requestBody;
        for (const parameter of member.parameters) {
          const type = checker.getTypeAtLocation(parameter);
          for (const d of decoratorsOf(parameter)) {
            if (d.name === 'Param') {
              const name = literal(d.args[0]);
              if (!name) continue;
              const uuid = d.args[1] && d.args[1].getText() === 'UUID_PARAM';
              parameters.push({
                name,
                in: 'path',
                required: true,
                schema: uuid ? { type: 'string', format: 'uuid' } : { type: 'string' },
              });
            } else if (d.name === 'Query') {
              const name = literal(d.args[0]);
              if (name) {
                parameters.push({ name, in: 'query', required: false, schema: writer.schema(type, 1) });
                continue;
              }
              const expanded = writer.properties(type, 1);
              for (const [key, schema] of Object.entries(expanded.properties)) {
                const { description, ...rest } = schema;
                parameters.push({
                  name: key,
                  in: 'query',
                  required: (expanded.required ?? []).includes(key),
                  ...(description ? { description } : {}),
                  schema: rest,
                });
              }
            } else if (d.name === 'Body') {
              requestBody = {
                required: true,
                content: { 'application/json': { schema: writer.schema(type, 1) } },
              };
            }
          }
        }

        const signature = checker.getSignatureFromDeclaration(member);
        const returned = signature
          ? unwrapPromise(checker, checker.getReturnTypeOfSignature(signature))
          : undefined;
        const empty =
          contentType === 'application/json' &&
          (!returned || returned.flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined) || status === '204');
        const description = docOf(checker, member);
        const responseSchema = empty
          ? undefined
          : contentType === 'application/json'
            ? writer.schema(returned, 1)
            : { type: 'string' };
        const operation = {
          operationId: `${tag}.${member.name.getText()}`,
          tags: [tag],
          summary: summaryOf(description) || `${member.name.getText()} (${tag})`,
          ...(description.includes('\n') ? { description } : {}),
          ...(parameters.length > 0 ? { parameters } : {}),
          ...(requestBody ? { requestBody } : {}),
          responses: {
            [status]: {
              description: empty ? 'done, no body' : 'the answer',
              ...(responseSchema ? { content: { [contentType]: { schema: responseSchema } } } : {}),
            },
            default: {
              description: 'an error, with the reason',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
            },
          },
          ...(isPublic ? { security: [] } : { 'x-tocsin-role': role }),
        };
        tags.add(tag);
        paths[path] ??= {};
        if (paths[path][method]) throw new Error(`${method.toUpperCase()} ${path} is declared twice`);
        paths[path][method] = operation;
      }
    }
  }

  writer.components.ErrorBody = {
    type: 'object',
    properties: {
      error: { type: 'string', description: 'a short code, such as not_found or invalid' },
      message: { type: 'string', description: 'the reason, for people' },
      details: {
        type: 'array',
        items: { type: 'string' },
        description: 'one line per problem, when there are several',
      },
    },
    required: ['error', 'message'],
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tocsin api',
      version,
      description:
        'The management api of Tocsin. Every route takes `Authorization: Bearer <key>` unless it says otherwise; ' +
        '`x-tocsin-role` names the least role a key needs (read-only < responder < admin). Lists are paged ' +
        'with `limit` and an opaque `cursor` and answer `{"items": [...], "nextCursor": ... | null}`.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an api key' } },
      schemas: Object.fromEntries(Object.entries(writer.components).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}

module.exports = { buildOpenApi, openApiPath };

if (require.main === module) {
  const root = join(__dirname, '..');
  const target = join(root, process.argv[2] ?? 'dist/apps/api/openapi.json');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, JSON.stringify(buildOpenApi(root), null, 2) + '\n');
  process.stdout.write(`wrote ${relative(root, target)}\n`);
}
