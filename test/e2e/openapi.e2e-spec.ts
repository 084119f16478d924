import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIV3 } from 'openapi-types';
import { serviceToken, userToken } from '../support/tokens';
import { unique } from '../support/test-env';
import { useHerald } from '../support/use-herald';

/** Routes Nest registered on Fastify (`METHOD /path/:param`, see `TestApp.routes`), as `METHOD /openapi/{style}` paths. */
function registeredRoutes(routes: string[]): string[] {
  return routes.map((route) => route.replace(/:([A-Za-z0-9_]+)/g, '{$1}'));
}

/** Served by Herald but not REST API: the web client's pages and assets, and Swagger UI itself. */
const NOT_API = /^GET (\/|\/chat|\/chat\/\{room\}|\/admin|\/assets\/\{name\}|\/docs.*|\/openapi\.json)$/;

describe('OpenAPI document', () => {
  const herald = useHerald();
  let document: OpenAPIV3.Document;
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));

  beforeAll(async () => {
    const response = await herald.app.http().get('/openapi.json').expect(200);
    // validate() dereferences in place: keep the served document apart.
    document = (await SwaggerParser.validate(structuredClone(response.body))) as OpenAPIV3.Document;
  });

  /** Asserts that `body` matches the documented JSON schema of `method path` answering `status`. */
  function expectDocumented(method: 'get' | 'post', path: string, status: number, body: unknown): void {
    const operation = document.paths[path]?.[method];
    const response = operation?.responses[String(status)] as OpenAPIV3.ResponseObject | undefined;
    const schema = response?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`${method.toUpperCase()} ${path} documents no JSON body for ${status}`);
    const validate = ajv.compile(schema);
    if (!validate(body))
      throw new Error(`${method.toUpperCase()} ${path} ${status} does not match its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
  }

  it('is a valid OpenAPI 3 document with the bearer security scheme', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(document.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/notifications']?.post?.security).toEqual([{ bearer: [] }]);
  });

  it('documents every REST route Nest registers, and no route that does not exist', () => {
    const routes = registeredRoutes(herald.app.routes)
      .filter((route) => !NOT_API.test(route))
      .sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, item]) =>
        (['get', 'post', 'put', 'delete', 'patch'] as const).filter((method) => item?.[method]).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    expect(routes.length).toBeGreaterThan(5);
    expect(documented).toEqual(routes);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await herald.app.http().get('/docs').redirects(1).expect(200);
    expect(response.text).toContain('swagger-ui');
  });

  it('describes what the main routes really answer', async () => {
    const http = herald.app.http;
    const alice = unique('alice');
    const service = `Bearer ${serviceToken()}`;
    const created = await http()
      .post('/notifications')
      .set('authorization', service)
      .send({ recipients: [alice], type: 'doc.check', actor: 'svc', payload: { n: 1 } })
      .expect(201);
    expectDocumented('post', '/notifications', 201, created.body);

    const feed = await http()
      .get('/notifications')
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(200);
    expect(feed.body.items).toHaveLength(1);
    expectDocumented('get', '/notifications', 200, feed.body);

    const count = await http()
      .get('/notifications/unread-count')
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(200);
    expectDocumented('get', '/notifications/unread-count', 200, count.body);

    const posted = await http().post('/rooms/lobby/messages').set('authorization', service).send({ text: 'hi' }).expect(201);
    expectDocumented('post', '/rooms/{room}/messages', 201, posted.body);
    const history = await http()
      .get('/rooms/lobby/messages')
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(200);
    expectDocumented('get', '/rooms/{room}/messages', 200, history.body);

    const token = await http().post('/auth/dev-token').send({ sub: alice }).expect(201);
    expectDocumented('post', '/auth/dev-token', 201, token.body);

    const ready = await http().get('/health/ready').expect(200);
    expectDocumented('get', '/health/ready', 200, ready.body);
  });

  it('describes the error answers as they are sent', async () => {
    const http = herald.app.http;
    const invalid = await http().post('/notifications').set('authorization', `Bearer ${serviceToken()}`).send({ recipients: [], type: '' }).expect(400);
    expectDocumented('post', '/notifications', 400, invalid.body);
    const anonymous = await http().get('/notifications').expect(401);
    expectDocumented('get', '/notifications', 401, anonymous.body);
    const missing = await http()
      .post('/notifications/999999999/read')
      .set('authorization', `Bearer ${userToken(unique('bob'))}`)
      .expect(404);
    expectDocumented('post', '/notifications/{id}/read', 404, missing.body);
  });
});
