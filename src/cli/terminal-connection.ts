import WebSocket, { RawData } from 'ws';
import { CloseCode, RESUME_PARAM } from '../realtime/protocol';
import { Backoff, BackoffOptions } from './terminal-backoff';

/** How long `close()` waits for the server's closing handshake, in ms. */
const CLOSE_TIMEOUT_MS = 2_000;
/** How long an opening handshake may take, in ms. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TerminalConnectionOptions {
  /** `ws://` or `wss://` URL of `/ws`. */
  url: string;
  /** Sent as `Authorization: Bearer` (RFC 6750 section 2.1); read at every (re)connect, since a renewed token replaces it. */
  token: () => string;
  /** The notification id to resume after, read at every (re)connect; sent as `?since=`. */
  since: () => string | undefined;
  backoff?: BackoffOptions;
}

/** What a `TerminalConnection` reports. */
export interface TerminalConnectionEvents {
  /** A frame arrived. */
  frame(raw: RawData, isBinary: boolean): void;
  /** A state change worth printing (a drop and the retry delay). */
  state(text: string): void;
  /** The socket closed unasked; a retry follows unless `fatal` is reported next. */
  dropped(): void;
  /** The server refused this client for good (bad or expired token): no retry. Call `close()`. */
  fatal(reason: string): void;
  /** The socket is gone after `close()`. Reported once. */
  closed(): void;
}

interface CloseInfo {
  code: number;
  reason: string;
  /** HTTP status when the upgrade was refused. */
  refused?: number;
  /** Why the connection could not be made. */
  failure?: string;
  opened: boolean;
}

/**
 * One WebSocket to `/ws` that is reopened after every drop, with backoff,
 * until `close()` or a refusal that retrying cannot fix (see `fatalReason`).
 */
export class TerminalConnection {
  private readonly backoff: Backoff;
  private socket?: WebSocket;
  private retryTimer?: NodeJS.Timeout;
  private closeRequested = false;

  constructor(
    private readonly options: TerminalConnectionOptions,
    private readonly events: TerminalConnectionEvents,
  ) {
    this.backoff = new Backoff(options.backoff);
  }

  /** Opens the socket (again). */
  connect(): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url(), {
        headers: { authorization: `Bearer ${this.options.token()}` },
        perMessageDeflate: false,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      });
    } catch (error) {
      return this.events.fatal(`cannot connect: ${(error as Error).message}`);
    }
    this.socket = socket;
    const info: CloseInfo = { code: 0, reason: '', opened: false };
    socket.on('open', () => (info.opened = true));
    socket.on('unexpected-response', (_request, response) => {
      info.refused = response.statusCode;
      response.resume();
      socket.terminate();
    });
    socket.on('error', (error) => (info.failure ??= error.message));
    socket.on('message', (raw, isBinary) => this.events.frame(raw, isBinary));
    socket.on('close', (code, reason) => this.onClose(socket, { ...info, code, reason: reason.toString() }));
  }

  /** The connection works (`ready` arrived): the next drop retries quickly again. */
  succeeded(): void {
    this.backoff.reset();
  }

  /** Sends a text frame; false when the socket is not open. */
  send(text: string): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(text);
    return true;
  }

  /** Stops retrying and closes the socket with 1000; reports `closed` when it is gone. */
  close(): void {
    if (this.closeRequested) return;
    this.closeRequested = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (!socket) return this.events.closed();
    if (socket.readyState !== WebSocket.OPEN) return socket.terminate();
    socket.close(1000, 'bye');
    const timer = setTimeout(() => socket.terminate(), CLOSE_TIMEOUT_MS);
    socket.once('close', () => clearTimeout(timer));
  }

  private url(): string {
    const url = new URL(this.options.url);
    const since = this.options.since();
    if (since !== undefined) url.searchParams.set(RESUME_PARAM, since);
    return url.toString();
  }

  private onClose(socket: WebSocket, close: CloseInfo): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    if (this.closeRequested) return this.events.closed();
    this.events.dropped();
    const fatal = fatalReason(close);
    if (fatal) return this.events.fatal(fatal);
    const why =
      close.refused !== undefined
        ? `upgrade refused with HTTP ${close.refused}`
        : close.opened
          ? `disconnected (${close.code}${close.reason ? ` ${close.reason}` : ''})`
          : `cannot connect (${close.failure ?? close.code})`;
    const delay = this.backoff.next();
    this.events.state(`${why}; reconnecting in ${delay < 1_000 ? `${delay} ms` : `${(delay / 1_000).toFixed(1)} s`}`);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}

/** Why a close must end the client instead of a reconnect, or undefined to retry. */
function fatalReason(close: CloseInfo): string | undefined {
  const status = close.refused;
  if (status === 401) {
    return 'the server refused the token (HTTP 401): it is missing, malformed, expired or not signed with a key the server accepts; get a new one (npm run token -- --sub <user>, or from your identity provider)';
  }
  if (status === 403) return 'the server refused this connection (HTTP 403: Origin not allowed)';
  if (status === 400) return 'the server refused the upgrade (HTTP 400): the URL must not carry access_token or since; use --token and --since';
  // Other client errors (404: a wrong path) will not heal by retrying; 408 and 429 may.
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return `the server refused the upgrade with HTTP ${status}; check --url`;
  }
  if (close.code === CloseCode.TokenExpired) return 'the token expired (close 4401); get a new one and start again';
  if (close.code === CloseCode.PolicyViolation) return `the server closed the connection as not authenticated (1008 ${close.reason})`;
  return undefined;
}
