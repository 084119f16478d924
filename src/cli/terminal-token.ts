/** What `POST /auth/dev-token` is asked for, at start and at every renewal. */
export interface DevTokenRequest {
  /** User id, 1-128 characters. */
  sub: string;
  /** `admin`, `service`. */
  roles: readonly string[];
  /** Lifetime of each token in seconds (1-86,400). */
  ttlSeconds: number;
}

/**
 * The terminal client's access token. Given with `--token`, it is used as
 * is until it expires. Minted from `POST /auth/dev-token` (`--dev-user`),
 * it can be minted again when the server sends `auth.expiring`.
 */
export class TerminalToken {
  private constructor(
    private value: string,
    private readonly mint?: () => Promise<string>,
  ) {}

  /** A token from `--token` or `$HERALD_TOKEN`. */
  static given(token: string): TerminalToken {
    return new TerminalToken(token);
  }

  /**
   * Mints a first dev token from the server at `wsUrl`'s origin.
   * @throws Error when the server does not serve dev tokens (404) or refuses the request.
   */
  static async devToken(wsUrl: string, request: DevTokenRequest): Promise<TerminalToken> {
    const mint = () => mintDevToken(wsUrl, request);
    return new TerminalToken(await mint(), mint);
  }

  /** The token to connect with. */
  get current(): string {
    return this.value;
  }

  /** Whether `renew()` can get a new token. */
  get renewable(): boolean {
    return this.mint !== undefined;
  }

  /** Mints a new token; it becomes `current` only with `adopt()` (once the server took it). */
  renew(): Promise<string> {
    if (!this.mint) return Promise.reject(new Error('a token given with --token cannot be renewed by this client'));
    return this.mint();
  }

  adopt(token: string): void {
    this.value = token;
  }

  /** The current token's `exp` in seconds, read without verifying (the server verifies); null when unreadable. */
  get expiresAt(): number | null {
    try {
      const exp: unknown = (JSON.parse(Buffer.from(this.value.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
      return typeof exp === 'number' ? exp : null;
    } catch (error) {
      if (error instanceof SyntaxError) return null;
      throw error;
    }
  }
}

/** `ws(s)://host/ws` → `http(s)://host/auth/dev-token`. */
function devTokenUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/auth/dev-token';
  url.search = '';
  url.hash = '';
  return url.toString();
}

async function mintDevToken(wsUrl: string, request: DevTokenRequest): Promise<string> {
  const response = await fetch(devTokenUrl(wsUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ sub: request.sub, roles: [...request.roles], ttl: request.ttlSeconds }),
  });
  if (response.status === 404) throw new Error('the server does not serve dev tokens (POST /auth/dev-token answered 404); use --token');
  let body: { token?: unknown; message?: unknown } = {};
  try {
    body = JSON.parse(await response.text()) as typeof body;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  if (response.status !== 201 || typeof body.token !== 'string') {
    throw new Error(`POST /auth/dev-token answered ${response.status}${body.message ? `: ${[body.message as string | string[]].flat().join('; ')}` : ''}`);
  }
  return body.token;
}

/** `59 min`, `45 s`, `2 h 5 min`: how long until `exp` (seconds since the epoch). */
export function expiresIn(exp: number, nowMs = Date.now()): string {
  const seconds = Math.max(0, Math.floor(exp - nowMs / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${Math.floor(seconds / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
}
