import { ValueTransformer } from 'typeorm';

/**
 * Ids are BIGINTs in the database and decimal strings everywhere else, so
 * they never lose precision in JavaScript numbers (mysql2 already returns
 * strings; SQLite returns numbers).
 */
export const bigintIdTransformer: ValueTransformer = {
  to: (value: string | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : String(value)),
};
