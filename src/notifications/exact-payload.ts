import { BadRequestException } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { exactJsonBody } from '../common/json-body-parser';
import { MAX_PAYLOAD_BYTES } from './notifications.dto';

/**
 * The `payload` of a `POST /notifications` or `/broadcast` body exactly as
 * the client sent it, keys named `__proto__`, `constructor` or `prototype`
 * included at any depth: the DTO's copy lacks them (see `exactJsonBody`).
 * Safe to keep, since a payload is only ever serialized (stored as JSON
 * text, sent as JSON), never merged into an object. Call after the DTO
 * passed validation (`StrictValidationPipe` refused such keys at the top
 * of the body); the size rule is applied again, to the exact value.
 * @throws BadRequestException (NestJS shape) when the exact payload is over
 *   `MAX_PAYLOAD_BYTES` as JSON.
 */
export function exactPayloadOf(request: FastifyRequest): Record<string, unknown> | undefined {
  const body = exactJsonBody(request);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const payload: unknown = Object.hasOwn(body, 'payload') ? (body as { payload: unknown }).payload : undefined;
  if (payload !== undefined && payload !== null && Buffer.byteLength(JSON.stringify(payload), 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new BadRequestException([`payload must be at most ${MAX_PAYLOAD_BYTES} bytes as JSON`]);
  }
  return (payload ?? undefined) as Record<string, unknown> | undefined;
}
