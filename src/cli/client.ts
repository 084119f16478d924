import { parseArgs } from 'node:util';
import { isRecordCursor } from '../common/record-id';
import { isRoomName } from '../rooms/room-name';
import { HELP, TerminalClient } from './terminal-client';

const USAGE = `usage: npm run client -- (--token <jwt> | --dev-user <sub> [--roles admin,service] [--ttl <s>]) [--room <room>] [--url ws://localhost:3000/ws] [--since <id>] [--json] [--no-input]

  --token <jwt>     access token (default: $HERALD_TOKEN); mint one with npm run token -- --sub <user>
                    (it cannot be renewed: the client says when the session expires)
  --dev-user <sub>  get tokens for <sub> from the server's POST /auth/dev-token instead, and a new
                    one whenever the server says the current one is expiring (auth.expiring)
  --roles <list>    roles of the dev tokens (admin, service), comma-separated
  --ttl <seconds>   lifetime of each dev token (default 3600)
  --room <room>   join this room after connecting; typed lines are sent to it
  --url <url>     Herald's WebSocket endpoint (default ws://localhost:3000/ws; http(s):// and a bare host:port work too)
  --since <id>    replay the notifications newer than this id on connect
  --json          print every frame as received, one JSON object per line (state messages go to stderr)
  --no-input      do not read stdin; listen until Ctrl-C or SIGTERM (for background use)

${HELP.join('\n')}`;

class UsageError extends Error {}

/** Turns `--url` into the `/ws` URL: `host:port` gets `ws://`, http(s) becomes ws(s), a bare origin gets `/ws`. */
function wsUrl(raw: string): string {
  const full = raw.includes('://') ? raw : `ws://${raw}`;
  if (!URL.canParse(full)) throw new UsageError(`--url ${JSON.stringify(raw)} is not a URL`);
  const url = new URL(full);
  if (url.protocol === 'http:' || url.protocol === 'https:') url.protocol = url.protocol === 'http:' ? 'ws:' : 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new UsageError('--url must be ws://, wss://, http:// or https://');
  if (url.pathname === '/') url.pathname = '/ws';
  return url.toString();
}

/**
 * `npm run client -- --token <jwt> [--room lobby] [--url ...] [--since <id>] [--json]`:
 * a terminal client for Herald's `/ws` (docs/terminal-client.md).
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      token: { type: 'string' },
      room: { type: 'string' },
      url: { type: 'string', default: 'ws://localhost:3000/ws' },
      since: { type: 'string' },
      'dev-user': { type: 'string' },
      roles: { type: 'string' },
      ttl: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-input': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const devUser = values['dev-user'];
  const token = devUser === undefined ? (values.token ?? process.env.HERALD_TOKEN ?? '') : undefined;
  if (devUser !== undefined && values.token !== undefined) throw new UsageError('--token and --dev-user exclude each other');
  if (token === '') throw new UsageError('--token (or HERALD_TOKEN) or --dev-user is required');
  if (devUser !== undefined && (devUser.length < 1 || devUser.length > 128)) throw new UsageError('--dev-user must be 1-128 characters');
  const ttlSeconds = values.ttl === undefined ? 3600 : Number(values.ttl);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 86_400) throw new UsageError('--ttl must be a whole number of seconds, 1-86400');
  const roles = (values.roles ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  if (values.room !== undefined && !isRoomName(values.room)) throw new UsageError('--room must be 1-64 of A-Z a-z 0-9 _ . -');
  if (values.since !== undefined && !isRecordCursor(values.since)) throw new UsageError('--since must be a notification id (digits)');
  const client = new TerminalClient({
    url: wsUrl(values.url),
    token,
    devToken: devUser === undefined ? undefined : { sub: devUser, roles, ttlSeconds },
    room: values.room,
    since: values.since,
    json: values.json,
    input: values['no-input'] ? undefined : process.stdin,
    output: process.stdout,
    status: values.json ? process.stderr : process.stdout,
  });
  process.once('SIGINT', () => client.stop());
  process.once('SIGTERM', () => client.stop());
  return client.run();
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : String(error));
    process.exit(2);
  },
);
