import { IncomingMessage } from 'node:http';
import { BadRequestException, HttpException, HttpStatus, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { json, NextFunction, Request, RequestHandler, Response } from 'express';
import { exceedsJsonDepth } from './json-depth';

/** Charsets whose bodies the depth check can read (RFC 8259 section 8.1: JSON is UTF-8; UTF-16 is still taken). */
const CHECKED_CHARSETS = new Set(['utf-8', 'utf8', 'utf-16le', 'utf-16be']);

/** `body-parser`'s error `type` for a body nested deeper than allowed. */
const TOO_DEEP = 'entity.too.deep';

/**
 * express's JSON body parser with a byte limit and a nesting limit, whose
 * failures become NestJS errors (`{statusCode, message, error}`): 413 for a
 * body over the limit, 400 for unparseable JSON or JSON that nests arrays
 * and objects more than `maxDepth` levels deep (checked on the raw bytes,
 * before anything parses or walks them), 415 for a charset other than
 * UTF-8 or UTF-16. The text of each body is kept for `exactJsonBody`.
 * Named `jsonParser` so Nest does not add its default parser in front of it.
 */
export function jsonBodyParser(limitBytes: number, maxDepth: number): RequestHandler {
  const parse = json({ limit: limitBytes, verify: (request, _response, body, charset) => checkDepth(request, body, charset, maxDepth) });
  return function jsonParser(request: Request, response: Response, next: NextFunction): void {
    parse(request, response, (error?: unknown) => next(error === undefined ? undefined : translate(error, limitBytes)));
  };
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
 */
export function exactJsonBody(request: IncomingMessage): unknown {
  const raw = rawBodies.get(request);
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
