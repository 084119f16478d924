import { QueryFailedError } from 'typeorm';

/** True when a write failed on a primary key or unique index (MySQL 1062, SQLite UNIQUE/PRIMARY KEY). */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; errno?: number } | undefined;
  return (
    driverError?.code === 'ER_DUP_ENTRY' ||
    driverError?.errno === 1062 ||
    driverError?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    driverError?.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** Error codes meaning the database cannot be reached or dropped the connection, as opposed to a bad query. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);

/**
 * True when an error says the database is down, unreachable or overloaded
 * (connection refused, lost or timed out; the pool's wait queue full),
 * whether raised by the pool or wrapped in a `QueryFailedError`. The
 * request may be retried later (503 `database_unavailable`).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError, message } = error as { code?: unknown; driverError?: { code?: unknown }; message?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (typeof driverError?.code === 'string' && UNAVAILABLE_CODES.has(driverError.code)) return true;
  if (typeof message !== 'string') return false;
  // mysql2 reports a query on a connection that already died this way, and a full
  // pool wait queue (`queueLimit`: every connection busy, the database too slow) with
  // no code at all: both are the database failing to keep up, not a bad request.
  return message.includes("Can't add new command when connection is in closed state") || message === 'Queue limit reached.';
}
