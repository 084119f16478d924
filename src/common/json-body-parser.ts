import { BadRequestException, HttpException, PayloadTooLargeException } from '@nestjs/common';
import { json, NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * express's JSON body parser with a byte limit, whose failures become
 * NestJS errors (`{statusCode, message, error}`): 413 for a body over the
 * limit, 400 for unparseable JSON. Named `jsonParser` so Nest does not add
 * its default parser in front of it.
 */
export function jsonBodyParser(limitBytes: number): RequestHandler {
  const parse = json({ limit: limitBytes });
  return function jsonParser(request: Request, response: Response, next: NextFunction): void {
    parse(request, response, (error?: unknown) => next(error === undefined ? undefined : translate(error, limitBytes)));
  };
}

function translate(error: unknown, limitBytes: number): unknown {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new PayloadTooLargeException(`request body is larger than ${limitBytes} bytes`);
  if (type === 'entity.parse.failed') return new BadRequestException('request body is not valid JSON');
  if (error instanceof HttpException) return error;
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? new HttpException((error as Error).message, status) : error;
}
