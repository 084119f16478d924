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
 * True when an error says the database is down or unreachable (connection
 * refused, lost or timed out), whether raised by the pool or wrapped in a
 * `QueryFailedError`. The request may be retried later.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError, message } = error as { code?: unknown; driverError?: { code?: unknown }; message?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  if (typeof driverError?.code === 'string' && UNAVAILABLE_CODES.has(driverError.code)) return true;
  // mysql2 reports a query on a connection that already died this way.
  return typeof message === 'string' && message.includes("Can't add new command when connection is in closed state");
}
