/**
 * Base of every feature's error type. Services throw these, never
 * `HttpException`, so one call serves REST and WebSocket alike; each
 * transport translates `code` (snake_case, stable, part of the API).
 */
export abstract class DomainError<Code extends string = string> extends Error {
  protected constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
