import { parseArgs } from 'node:util';
import { signAccessToken } from '../auth/token-signer';
import { isUserId, USER_ID_RULE } from '../common/user-id';
import { loadConfig, loadDotEnv } from '../config/load-config';

const USAGE = 'usage: npm run token -- --sub <user id> [--roles admin,service] [--ttl <seconds>]';

/**
 * `npm run token -- --sub alice [--roles admin,service] [--ttl 3600]`:
 * prints an HS256 access token signed with the configured `JWT_SECRET`
 * (and `JWT_ISSUER` / `JWT_AUDIENCE` when set).
 */
function main(): void {
  const { values } = parseArgs({
    options: { sub: { type: 'string' }, roles: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return void console.log(USAGE);
  const sub = values.sub ?? '';
  if (!isUserId(sub)) throw new UsageError(`--sub is required: ${USER_ID_RULE}`);
  const ttl = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1) throw new UsageError('--ttl must be a whole number of seconds >= 1');
  const roles = (values.roles ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  loadDotEnv();
  console.log(signAccessToken(loadConfig(), { sub, roles, ttlSeconds: ttl }));
}

class UsageError extends Error {}

try {
  main();
} catch (error) {
  console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : (error as Error).message);
  process.exit(2);
}
