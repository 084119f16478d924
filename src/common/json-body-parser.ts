import { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestException, HttpException, HttpStatus, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { json, urlencoded } from 'body-parser';
import { FastifyInstance } from 'fastify';
import { exceedsJsonDepth } from './json-depth';

/** Charsets whose bodies the depth check can read (RFC 8259 section 8.1: JSON is UTF-8; UTF-16 is still taken). */
const CHECKED_CHARSETS = new Set(['utf-8', 'utf8', 'utf-16le', 'utf-16be']);

/** `body-parser`'s error `type` for a body nested deeper than allowed. */
const TOO_DEEP = 'entity.too.deep';

/** body-parser's default limit of a form body, which Nest kept for Express. */
const FORM_LIMIT_BYTES = 100 * 1024;

/** A body-parser middleware: reads `request`, sets `request.body`, calls back once. */
type BodyReader = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Fastify's body parsers for Herald, with the semantics of body-parser
 * (the parser Herald ran on Express, run here on the raw request): JSON
 * with a byte limit and a nesting limit, whose failures become NestJS
 * errors (`{statusCode, message, error}`): 413 for a body over the limit,
 * 400 for unparseable JSON or JSON that nests arrays and objects more than
 * `maxDepth` levels deep (checked on the raw bytes, before anything parses
 * or walks them), 415 for a charset other than UTF-8 or UTF-16 or an
 * unknown Content-Encoding (gzip, deflate and br are inflated). The text
 * of each JSON body is kept for `exactJsonBody`. Form bodies
 * (`application/x-www-form-urlencoded`) are parsed as Nest parses them on
 * Express; any other media type is left unread with no body, as on
 * Express, rather than Fastify's 415.
 *
 * A refused body's request is remembered for `bodyRefused`.
 */
export function registerBodyParsers(fastify: FastifyInstance, limitBytes: number, maxDepth: number): void {
  const readJson = json({ limit: limitBytes, verify: (request, _response, body, charset) => checkDepth(request, body, charset, maxDepth) });
  const readForm = urlencoded({ extended: true, limit: FORM_LIMIT_BYTES });
  fastify.removeAllContentTypeParsers();
  const parserFor =
    (read: BodyReader, limit: number) =>
    (request: { raw: IncomingMessage }, _payload: unknown, done: (error: Error | null, body?: unknown) => void): void => {
      read(request.raw, undefined as unknown as ServerResponse, (error?: unknown) => {
        if (error === undefined) return done(null, (request.raw as { body?: unknown }).body);
        refused.add(request.raw);
        done(translate(error, limit) as Error);
      });
    };
  fastify.addContentTypeParser('application/json', parserFor(readJson as BodyReader, limitBytes));
  fastify.addContentTypeParser('application/x-www-form-urlencoded', parserFor(readForm as BodyReader, FORM_LIMIT_BYTES));
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

/** Requests whose body a parser refused (400, 413, 415): they count as answered by no route. */
const refused = new WeakSet<IncomingMessage>();

/** Whether the body of `request` was refused before it reached a route's handler. */
export function bodyRefused(request: IncomingMessage): boolean {
  return refused.has(request);
}

function checkDepth(request: IncomingMessage, body: Buffer, charset: string, maxDepth: number): void {
  const encoding = charset.toLowerCase();
  if (!CHECKED_CHARSETS.has(encoding)) {
    throw Object.assign(new Error(`unsupported charset "${charset}": send JSON as UTF-8`), {
      status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      type: 'charset.unsupported',
    });
  }
  // The structural characters are ASCII: in UTF-16 they are the only units below 0x80 once re-encoded.
  const utf8 = encoding.startsWith('utf-16') ? Buffer.from(new TextDecoder(encoding).decode(body), 'utf8') : body;
  if (exceedsJsonDepth(utf8, maxDepth)) {
    throw Object.assign(new Error(`request body must not nest arrays and objects more than ${maxDepth} levels deep`), {
      status: HttpStatus.BAD_REQUEST,
      type: TOO_DEEP,
    });
  }
  rawBodies.set(request, utf8);
}

/** The UTF-8 text of each parsed request body, as received. */
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/**
 * The request's JSON body parsed afresh from the text received, or
 * undefined when the request had no JSON body. `request.body` is not that:
 * Nest's ValidationPipe deletes `__proto__`, `constructor` and `prototype`
 * keys from it at every depth (a prototype-pollution guard) before
 * class-transformer copies it, and skips them too. `JSON.parse` makes
 * such keys own data properties, which only code that merges the value
 * into another object could misuse. The depth was checked on arrival.
 * Takes the Node request or Fastify's request around it.
 */
export function exactJsonBody(request: IncomingMessage | { raw: IncomingMessage }): unknown {
  const raw = rawBodies.get('raw' in request ? request.raw : request);
  if (raw === undefined) return undefined;
  // body-parser reads an empty body as {}.
  return raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as unknown);
}

function translate(error: unknown, limitBytes: number): unknown {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new PayloadTooLargeException(`request body is larger than ${limitBytes} bytes`);
  if (type === 'entity.parse.failed') return new BadRequestException('request body is not valid JSON');
  if (type === TOO_DEEP) return new BadRequestException((error as Error).message);
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') return new UnsupportedMediaTypeException((error as Error).message);
  if (error instanceof HttpException) return error;
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? new HttpException((error as Error).message, status) : error;
}
