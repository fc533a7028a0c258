import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type ResponseObject, type SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

/** Swagger UI's page and files; src/security gives them a document's CSP. */
export const DOCS_PATH = '/api/docs';
const DOCUMENT_PATH = '/api/openapi.json';

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
}

function buildDocument(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Journal API')
    .setDescription('A journal on Redis. Every error is `application/problem+json` (RFC 9457); every response carries `X-Request-Id`.')
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
  for (const path of Object.values(document.paths)) {
    for (const operation of [path.get, path.post, path.delete]) {
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
