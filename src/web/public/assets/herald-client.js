/**
 * Herald browser client: the tab's session (token), REST calls and the one
 * WebSocket with reconnect and resume. Shared by every page; no framework.
 *
 * Events of a `HeraldClient` (subscribe with `client.on(name, fn)`):
 * - `state`: `'connecting' | 'live' | 'reconnecting' | 'signed-out'`
 * - `signed-out`: `{reason}` once, when the token is gone or refused
 * - `renewal-failed`: `{reason}` when a dev-token session could not mint its
 *   next token (the session then ends at `exp`)
 * - every server frame by its event name, with its `data`: `ready`,
 *   `notification` (duplicates by id dropped), `notification.read`,
 *   `room.joined`, `room.message`, `room.presence`, `resync`, `resumed`,
 *   `auth.expiring`, `auth.refreshed` (after the client's own `auth.refresh`
 *   of a dev-token session), `error`, and any event a newer server adds.
 */

import { reconnectDelay } from './reconnect-delay.js';

const TOKEN_KEY = 'herald.accessToken';
/** `{sub, roles}` when the tab's token came from `POST /auth/dev-token` and can be minted again. */
const RENEWAL_KEY = 'herald.devTokenRenewal';
/** Bounds of `ttl` in `POST /auth/dev-token`, in seconds. */
const DEV_TOKEN_TTL_MAX_S = 86_400;
const DEV_TOKEN_TTL_DEFAULT_S = 3_600;

/** A connection that lived this long resets the backoff. */
const STABLE_AFTER_MS = 10_000;
/** How many notification ids to remember for dropping duplicates. */
const SEEN_IDS_KEPT = 2_000;

/** Close codes (docs/protocol.md) after which reconnecting cannot help. */
const CLOSE_TOKEN_EXPIRED = 4401;
const CLOSE_POLICY_VIOLATION = 1008;

/**
 * Compares two decimal id strings as numbers (ids outgrow 2^53):
 * by length, then lexically. Negative, zero or positive like `Array#sort`.
 * A copy of the server's `compareIds` (src/common/record-id.ts); keep the
 * body as is: src/common/record-id.spec.ts checks the two agree.
 */
export function compareIds(a, b) {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The claims of a JWT, decoded but NOT verified (the server verifies):
 * `{sub, roles, exp, iat}`, or null when it is not a JWT with a string `sub`.
 */
export function readClaims(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof claims.sub !== 'string') return null;
    return {
      sub: claims.sub,
      roles: Array.isArray(claims.roles) ? claims.roles.filter((r) => typeof r === 'string') : [],
      exp: typeof claims.exp === 'number' ? claims.exp : null,
      iat: typeof claims.iat === 'number' ? claims.iat : null,
    };
  } catch {
    return null;
  }
}

function isExpired(claims) {
  return claims.exp !== null && claims.exp * 1000 <= Date.now();
}

/**
 * Signs in with `#access_token=<jwt>` when the page was opened with one
 * (the OAuth 2.0 implicit-flow hand-over, RFC 6749 section 4.2.2), then
 * removes it from the address bar and the history entry.
 */
export function adoptTokenFromUrl() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const token = fragment.get('access_token');
  if (token === null) return;
  for (const name of ['access_token', 'token_type', 'expires_in']) fragment.delete(name);
  const rest = fragment.toString();
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  if (readClaims(token)) storeToken(token);
}

/** The tab's token, or null when signed out or expired. */
export function storedToken() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const claims = token && readClaims(token);
  if (!claims || isExpired(claims)) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return token;
}

/**
 * Keeps `token` for this tab's session (sessionStorage: not shared with
 * other tabs, gone when the tab closes). `renewal` (`{sub, roles}`) says it
 * came from `POST /auth/dev-token`, so that a new one can be minted when it
 * is about to expire; a pasted or handed-over token has none.
 */
export function storeToken(token, renewal = null) {
  sessionStorage.setItem(TOKEN_KEY, token);
  if (renewal) sessionStorage.setItem(RENEWAL_KEY, JSON.stringify({ sub: renewal.sub, roles: [...renewal.roles] }));
  else sessionStorage.removeItem(RENEWAL_KEY);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(RENEWAL_KEY);
}

/** The stored renewal for a token of `sub`, or null. */
function storedRenewal(sub) {
  try {
    const renewal = JSON.parse(sessionStorage.getItem(RENEWAL_KEY) ?? 'null');
    if (renewal && renewal.sub === sub && Array.isArray(renewal.roles)) return { sub, roles: renewal.roles.filter((r) => typeof r === 'string') };
  } catch {
    // Not ours or corrupted: no renewal, the session ends at exp.
  }
  return null;
}

/** A REST error in NestJS's shape: `status`, and the server's `message` joined. */
export class HttpError extends Error {
  constructor(status, body) {
    const detail = body && body.message !== undefined ? [].concat(body.message).join('; ') : '';
    super(`${status}${body && body.error ? ` ${body.error}` : ''}${detail ? `: ${detail}` : ''}`);
    this.status = status;
    this.body = body;
  }
}

/** Calls the REST API; resolves with the JSON body (null for 204), rejects with `HttpError`. */
export async function callApi(method, path, { token, body, headers = {} } = {}) {
  const init = { method, headers: { accept: 'application/json', ...headers }, cache: 'no-store', credentials: 'omit' };
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text.slice(0, 200) };
    }
  }
  if (!response.ok) throw new HttpError(response.status, data);
  return data;
}

/**
 * One signed-in user: REST with their token and the one socket at `/ws`.
 * A 401 from REST, a 4401 close, or a token found expired before a
 * reconnect moves it to `signed-out` for good; every other loss of the
 * socket is retried with backoff. A dev-token session renews itself: on
 * `auth.expiring` it mints a token with the same sub, roles and lifetime
 * and sends `auth.refresh`; from `auth.refreshed` on, REST and reconnects
 * use the new token.
 */
export class HeraldClient {
  constructor(token) {
    this.token = token;
    this.claims = readClaims(token);
    this.renewal = this.claims ? storedRenewal(this.claims.sub) : null;
    /** A token sent in `auth.refresh`, taken on once `auth.refreshed` confirms it. */
    this.pendingToken = null;
    this.state = 'connecting';
    /**
     * Highest notification id received over the socket, sent as `since` on
     * reconnect. Ids read over REST only feed the duplicate filter: the feed
     * may show an id before the relay published a smaller one still being
     * committed, and resuming from it would skip that one (docs/delivery.md).
     */
    this.lastNotificationId = null;
    this.seen = new Set();
    this.handlers = new Map();
    this.socket = null;
    this.attempt = 0;
    this.timer = null;
    this.openedAt = 0;
    this.onOnline = () => {
      if (this.state === 'reconnecting' && this.timer) this.retryNow();
    };
  }

  get user() {
    return this.claims ? this.claims.sub : null;
  }

  hasRole(role) {
    return Boolean(this.claims && this.claims.roles.includes(role));
  }

  /** Whether the session renews its token before it expires (a dev-token session). */
  get renewable() {
    return this.renewal !== null;
  }

  /** The token's `exp` in seconds, or null. */
  get expiresAt() {
    return this.claims ? this.claims.exp : null;
  }

  /** Registers `handler(data)` for an event; returns a function that removes it. */
  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(handler);
    return () => this.handlers.get(event).delete(handler);
  }

  emit(event, data) {
    for (const handler of this.handlers.get(event) ?? []) handler(data);
  }

  /** REST with this user's token; a 401 signs the tab out. */
  async api(method, path, body, headers) {
    try {
      return await callApi(method, path, { token: this.token, body, headers });
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) this.signOut('the server refused the token');
      throw error;
    }
  }

  /** Opens the socket (once; it then reconnects by itself). */
  connect() {
    if (this.socket || this.state === 'signed-out') return;
    addEventListener('online', this.onOnline);
    this.open();
  }

  /** Sends `{event, data}` when live; returns whether it was sent. */
  send(event, data) {
    if (this.state !== 'live' || !this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify({ event, data }));
    return true;
  }

  /** Records notification ids the page got from REST so that the same notification arriving live is dropped. */
  noteNotifications(items) {
    for (const item of items) this.markSeen(item.id);
  }

  /** Ends the session: forgets the token and closes the socket. */
  signOut(reason = 'signed out') {
    if (this.state === 'signed-out') return;
    forgetToken();
    this.stop();
    this.setState('signed-out');
    this.emit('signed-out', { reason });
  }

  /** Closes the socket without touching the session (page unload). */
  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    removeEventListener('online', this.onOnline);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = socket.onmessage = socket.onopen = null;
      socket.close(1000);
    }
  }

  socketUrl() {
    const url = new URL('/ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('access_token', this.token);
    if (this.lastNotificationId !== null) url.searchParams.set('since', this.lastNotificationId);
    return url.href;
  }

  open() {
    this.timer = null;
    if (this.claims && isExpired(this.claims)) return this.signOut('the token expired');
    const socket = new WebSocket(this.socketUrl());
    this.socket = socket;
    socket.onopen = () => {
      this.openedAt = Date.now();
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (event) => this.closed(socket, event);
  }

  receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (!frame || typeof frame.event !== 'string') return;
    if (frame.event === 'ready') this.setState('live');
    if (frame.event === 'auth.expiring') this.renew();
    if (frame.event === 'auth.refreshed') this.adoptRefreshed();
    if (frame.event === 'error' && frame.data && frame.data.code === 'invalid_token') this.pendingToken = null;
    if (frame.event === 'notification') {
      if (!frame.data || typeof frame.data.id !== 'string' || this.seen.has(frame.data.id)) return;
      this.remember(frame.data.id);
    }
    this.emit(frame.event, frame.data);
  }

  /** Mints a token with the same sub, roles and lifetime and offers it with `auth.refresh`; a failure leaves the session to end at exp. */
  async renew() {
    if (!this.renewal || this.pendingToken) return;
    const lifetime = this.claims && this.claims.exp !== null && this.claims.iat !== null ? this.claims.exp - this.claims.iat : DEV_TOKEN_TTL_DEFAULT_S;
    const ttl = Math.min(DEV_TOKEN_TTL_MAX_S, Math.max(1, Math.round(lifetime)));
    try {
      const { token } = await callApi('POST', '/auth/dev-token', { body: { sub: this.renewal.sub, roles: this.renewal.roles, ttl } });
      this.pendingToken = token;
      if (!this.send('auth.refresh', { token })) this.pendingToken = null;
    } catch (error) {
      this.emit('renewal-failed', { reason: error.message });
    }
  }

  adoptRefreshed() {
    if (!this.pendingToken) return;
    this.token = this.pendingToken;
    this.claims = readClaims(this.token);
    this.pendingToken = null;
    storeToken(this.token, this.renewal);
  }

  markSeen(id) {
    this.seen.add(id);
    if (this.seen.size > SEEN_IDS_KEPT) this.seen.delete(this.seen.values().next().value);
  }

  remember(id) {
    this.markSeen(id);
    if (this.lastNotificationId === null || compareIds(id, this.lastNotificationId) > 0) this.lastNotificationId = id;
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    this.socket = null;
    if (event.code === CLOSE_TOKEN_EXPIRED) return this.signOut('the token expired');
    if (event.code === CLOSE_POLICY_VIOLATION) return this.signOut('the server refused the token');
    const wasOpen = this.openedAt !== 0;
    if (wasOpen && Date.now() - this.openedAt >= STABLE_AFTER_MS) this.attempt = 0;
    this.openedAt = 0;
    this.setState('reconnecting');
    // A refused upgrade looks like any failed connection (1006); ask REST whether the token is the reason.
    if (!wasOpen && this.attempt >= 1) this.checkToken();
    // Exponential from 500 ms, capped at 10 s, with jitter (reconnect-delay.js).
    const delay = reconnectDelay(this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.open(), delay);
  }

  retryNow() {
    clearTimeout(this.timer);
    this.open();
  }

  checkToken() {
    this.api('GET', '/notifications/unread-count').catch(() => {
      // 401 already signed out inside api(); anything else: the server is down, keep retrying.
    });
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}
