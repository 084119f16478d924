import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

/** Every REST error body: NestJS's shape, plus a stable `code` when a feature raised it. */
export class ErrorResponseDto {
  /** The HTTP status, repeated. */
  @ApiProperty({ example: 400 })
  statusCode!: number;

  /** What went wrong: one sentence, or one per broken validation rule. */
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], example: ['recipients must contain at least 1 elements'] })
  message!: string | string[];

  /** The status's reason phrase (RFC 9110 section 15). */
  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  /** A stable snake_case code (docs/rest.md), when a feature raised the error. */
  @ApiPropertyOptional({ example: 'notification_not_found' })
  code?: string;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'invalid body, query, path or header (`message` lists every broken rule)',
  401: 'no token, or a malformed, expired or badly signed one (RFC 6750 `WWW-Authenticate`)',
  403: 'the token lacks the role this route needs',
  404: 'unknown id, or another user’s (never revealed as such)',
  413: 'body larger than `BODY_LIMIT_BYTES`',
  422: 'the `Idempotency-Key` was used with a different body',
  429: 'rate limited; `Retry-After` says when to retry',
  503: 'the database cannot be reached; retry with the same `Idempotency-Key`',
};

/** Documents the error answers of a route, each with `ErrorResponseDto` as its body. */
export function ApiErrorResponses(...statuses: Array<keyof typeof DESCRIPTIONS>): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto })));
}
