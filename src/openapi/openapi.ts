import { Logger, NotFoundException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type ResponseObject, type SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import { sendProblem } from '../problem/problem.filter.js';

/** Swagger UI's page and files; src/security gives them a document's CSP. */
export const DOCS_PATH = '/api/docs';
const DOCUMENT_PATH = '/api/openapi.json';

/**
 * The swagger-ui-dist files the page loads (Nest's own page and swagger-ui-init.js are routes of
 * their own). The package's other files (package.json, README, source maps, other bundles) are not
 * served: they tell a visitor versions and paths, and weigh megabytes.
 */
const SWAGGER_UI_FILES = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-16x16.png',
  'favicon-32x32.png',
]);

/**
 * Serves the OpenAPI document, generated from the controllers' decorators and the zod schemas, at
 * /api/openapi.json, and Swagger UI at /api/docs (its files from the swagger-ui-dist package).
 */
export function setupOpenApi(app: NestFastifyApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildDocument(app), {
    jsonDocumentUrl: DOCUMENT_PATH,
    raw: ['json'],
    customSiteTitle: 'Journal API',
    // No badge from validator.swagger.io: the page loads nothing from other origins.
    swaggerOptions: { validatorUrl: null },
  });
  const logger = new Logger('OpenApi');
  // Nest serves the whole swagger-ui-dist folder under DOCS_PATH (a wildcard route): only its files pass.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request, reply) => {
      const file = (request.params as { '*'?: string })['*'];
      if (!request.routeOptions.url?.startsWith(`${DOCS_PATH}/`) || file === undefined || SWAGGER_UI_FILES.has(file)) return;
      sendProblem(reply, new NotFoundException('The API docs page has no such file'), logger);
      return reply;
    });
}

/** Why any operation may get a 400 before its handler runs. */
const SCREENED = 'A token in the URL (never accepted, on any operation), or a forwarded client address that is not an IP address';

function buildDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Journal API')
    .setDescription(
      'A journal on Redis. Every error is `application/problem+json` (RFC 9457); every response carries `X-Request-Id`. ' +
        'Any request whose headers or body take longer than 30 s to arrive gets a `408` and the connection closes; ' +
        'a token in the URL (`access_token`, in any spelling) is refused with a `400` on every operation, reads included.',
    )
    .setVersion('1')
    .addTag('entries', 'The journal')
    .addTag('auth', 'Who may write')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'A token from the tokens file (AUTH_MODE=token); never in the URL' },
      'bearer',
    )
    .addTag('health', 'Probes for Kubernetes')
    .build();
  config.components = {
    ...config.components, // the bearer security scheme
    schemas: namedSchemas(),
    headers: {
      'X-Request-Id': {
        description: "The request's id in the API's log: the caller's own if it sent a plain one",
        required: true,
        schema: { type: 'string' },
      },
    },
  };
  // Operation ids are the handlers' names (create, list, get, delete, live, ready, report): short and unique.
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (_controller, method) => method });
  // Every response carries X-Request-Id (a Fastify hook sets it), so the document says it once, here.
  // Every operation may be refused before its handler (src/security/request-screen.ts): a 400.
  for (const path of Object.values(document.paths)) {
    for (const operation of [path.get, path.post, path.delete]) {
      if (operation && !operation.responses['400']) {
        operation.responses['400'] = {
          description: SCREENED,
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        };
      }
      for (const response of Object.values(operation?.responses ?? {}) as ResponseObject[]) {
        response.headers = { ...response.headers, 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
      }
    }
  }
  return document;
}

/** Every zod schema named with `.meta({ id })` (entry, problem and health shapes) becomes a component. */
function namedSchemas(): Record<string, SchemaObject> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { target: 'openapi-3.0', uri: (id) => `#/components/schemas/${id}` });
  // OpenAPI 3.0 schema objects have no $id.
  return Object.fromEntries(Object.entries(schemas).map(([name, { $id: _id, ...schema }]) => [name, schema as SchemaObject]));
}
