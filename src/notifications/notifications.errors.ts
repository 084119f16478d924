import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/domain-error';

/** Every error the notifications feature raises, by stable code. */
export type NotificationsErrorCode = 'notification_not_found' | 'idempotency_key_reused';

/** The REST status of each code; the compiler keeps it exhaustive. */
const HTTP_STATUS: Record<NotificationsErrorCode, HttpStatus> = {
  notification_not_found: HttpStatus.NOT_FOUND,
  idempotency_key_reused: HttpStatus.UNPROCESSABLE_ENTITY,
};

export class NotificationsError extends DomainError<NotificationsErrorCode> {
  private constructor(code: NotificationsErrorCode, message: string) {
    super(code, message, HTTP_STATUS[code]);
  }

  /** The id is unknown or belongs to someone else (never revealed as such). */
  static notFound(id: string): NotificationsError {
    return new NotificationsError('notification_not_found', `notification ${id} not found`);
  }

  /** The `Idempotency-Key` was used by this caller for a different request body in the last 24 hours. */
  static idempotencyKeyReused(): NotificationsError {
    return new NotificationsError('idempotency_key_reused', 'Idempotency-Key was already used with a different request body');
  }
}
