import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** Where the generated OpenAPI 3 document is served. */
export const OPENAPI_JSON_PATH = '/openapi.json';
/** Where Swagger UI is served. */
export const OPENAPI_UI_PATH = '/docs';

/** The name of the bearer security scheme (RFC 6750) routes refer to. */
export const BEARER_SCHEME = 'bearer';

/**
 * The OpenAPI 3 document of every REST route, generated from the
 * controllers' and DTOs' decorators. The WebSocket protocol is described
 * in docs/protocol.md (OpenAPI has no words for it).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Herald')
    .setDescription(
      'Real-time notifications: stored in MySQL, delivered live over `GET /ws` (see docs/protocol.md). ' +
        'Tokens are RFC 7519 JWTs sent as `Authorization: Bearer <jwt>` (RFC 6750).',
    )
    .setVersion(process.env.npm_package_version ?? '0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the document at `/openapi.json` and Swagger UI at `/docs`. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_UI_PATH.slice(1), app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1),
    raw: ['json'],
    ui: true,
  });
}
