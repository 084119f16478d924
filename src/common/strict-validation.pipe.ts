import { ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import { ValidationError } from 'class-validator';

/** Keys Nest's ValidationPipe deletes from a value at every depth before validating it (a prototype-pollution guard). */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * ValidationPipe that refuses a DTO's input with a `__proto__`,
 * `constructor` or `prototype` field instead of dropping it unseen: the
 * base class deletes such keys before `forbidNonWhitelisted` could report
 * them, so they were the only unknown fields accepted in silence. The
 * error goes through the pipe's `exceptionFactory` like every other
 * (REST: 400 `property __proto__ should not exist`; WebSocket: `invalid_data`).
 * Deeper keys are the business of the field holding them (see
 * `exactJsonBody` for payloads).
 */
@Injectable()
export class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (this.toValidate(metadata) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = PROTOTYPE_KEYS.filter((key) => Object.hasOwn(value, key));
      if (keys.length > 0) throw await this.exceptionFactory(keys.map(unknownProperty));
    }
    return super.transform(value, metadata);
  }
}

function unknownProperty(property: string): ValidationError {
  return Object.assign(new ValidationError(), { property, children: [], constraints: { whitelistValidation: `property ${property} should not exist` } });
}
