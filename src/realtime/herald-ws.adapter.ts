import { IncomingMessage, STATUS_CODES } from 'node:http';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageMappingProperties } from '@nestjs/websockets';
import { EMPTY, Observable, isObservable } from 'rxjs';
import WebSocket, { RawData, ServerOptions, WebSocketServer } from 'ws';
import { REQUEST_ID_HEADER, requestIdOf } from '../logging/request-id';
import { RequestLog } from '../logging/request-log';
import { HeraldMetrics } from '../metrics/herald-metrics';
import { CloseCode, encodeFrame, ErrorCode, isFrameError, MAX_FRAME_BYTES, parseClientFrame, ServerEvent } from './protocol';
import { ShutdownState } from './shutdown-state';
import { UpgradeAuthenticator } from './upgrade-authenticator';
import { UpgradeLimits } from './upgrade-limits';

type VerifyClientCallback = (result: boolean, code?: number, message?: string, headers?: Record<string, string>) => void;

/** How long shutdown waits for clients to answer the 1001 close, in ms. */
const CLOSE_GRACE_MS = 2_000;

/** `Retry-After` (seconds) on upgrades refused while shutting down. */
const DRAINING_RETRY_AFTER_S = 1;

/**
 * The only code that configures `ws`. On top of Nest's `WsAdapter` it:
 * refuses unauthenticated or cross-origin upgrades before a socket exists
 * (`verifyClient`: 401 / 403 / 400; 429 past the upgrade rate per address
 * or the open sockets per user, see `UpgradeLimits`), caps frames at 64 KiB (1009 above),
 * keeps permessage-deflate off, and answers malformed frames and unknown
 * events with an `error` frame instead of dropping them. Once shutdown
 * begins it refuses new upgrades with 503, and closes open sockets with
 * 1001 so their clients reconnect (and resume) on another instance. Each
 * decision is logged (token redacted) and answered with `X-Request-Id`;
 * refusals are counted by reason.
 */
export class HeraldWsAdapter extends WsAdapter {
  private readonly log = new Logger(HeraldWsAdapter.name);

  constructor(
    app: INestApplicationContext,
    private readonly authenticator: UpgradeAuthenticator,
    private readonly shutdown: ShutdownState,
    private readonly limits: UpgradeLimits,
    private readonly metrics: HeraldMetrics,
    private readonly requests: RequestLog,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> & ServerOptions): WebSocketServer {
    const server = super.create(port, {
      ...options,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      verifyClient: (info: { req: IncomingMessage }, done: VerifyClientCallback) => {
        const refuse = (status: number, reason: string, headers: Record<string, string> = {}) => {
          this.metrics.upgradeRefused(status);
          done(false, status, reason, { ...headers, [REQUEST_ID_HEADER]: this.requests.upgrade(info.req, status) });
        };
        if (this.shutdown.draining) return refuse(503, 'Service Unavailable', { 'Retry-After': String(DRAINING_RETRY_AFTER_S) });
        // Before the token is verified: every attempt counts, failed ones too.
        const retryAfter = this.limits.takeUpgrade(info.req.socket.remoteAddress);
        if (retryAfter > 0) return refuse(429, `too many upgrades from this address; retry in ${retryAfter} s`, { 'Retry-After': String(retryAfter) });
        this.authenticator.decide(info.req).then(
          (decision) => {
            if (decision.ok) {
              if (!this.limits.acquireSocket(decision.principal.sub, info.req.socket)) {
                return refuse(429, `this user already has ${this.limits.maxSocketsPerUser} open sockets (MAX_SOCKETS_PER_USER); close one first`);
              }
              this.requests.upgrade(info.req, 101);
              return done(true);
            }
            const headers: Record<string, string> = decision.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="herald", error="invalid_token"' } : {};
            refuse(decision.status, STATUS_CODES[decision.status] ?? 'Refused', headers);
          },
          (error: unknown) => {
            this.log.error(`deciding an upgrade failed: ${(error as Error).stack ?? String(error)}`);
            refuse(500, 'Internal Server Error');
          },
        );
      },
    }) as WebSocketServer;
    // The 101 is written by ws itself: the id chosen when the upgrade was logged joins its headers here.
    server.on('headers', (headers: string[], request: IncomingMessage) => headers.push(`${REQUEST_ID_HEADER}: ${requestIdOf(request)}`));
    return server;
  }

  /**
   * Protocol errors a client causes (oversized or malformed frames: `ws`
   * codes `WS_ERR_*`) close that socket with the right code; they are logged
   * at debug level so no client can flood the error log.
   */
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (socket: WebSocket) =>
      socket.on('error', (error: Error & { code?: string }) => {
        if (error.code?.startsWith('WS_ERR_')) this.log.debug(`client protocol error: ${error.message}`);
        else this.log.error(error);
      }),
    );
    server.on('error', (error: Error) => this.log.error(error));
    return server;
  }

  override bindMessageHandlers(client: WebSocket, handlers: MessageMappingProperties[], transform: (data: unknown) => Observable<unknown>): void {
    const byEvent = new Map(handlers.map((handler) => [handler.message as string, handler]));
    client.on('message', (raw: RawData, isBinary: boolean) => {
      const frame = parseClientFrame(raw, isBinary);
      if (isFrameError(frame)) return sendError(client, frame.code, frame.message);
      const handler = byEvent.get(frame.event);
      if (!handler) return sendError(client, ErrorCode.UnknownEvent, `unknown event ${JSON.stringify(frame.event)}`);
      let result$: Observable<unknown>;
      try {
        const result: unknown = handler.callback(frame.data, frame.event);
        result$ = isObservable(result) || result instanceof Promise ? transform(result) : result === undefined ? EMPTY : transform(result);
      } catch (error) {
        this.log.error(`handler for ${frame.event} failed: ${(error as Error).stack ?? String(error)}`);
        return sendError(client, ErrorCode.InternalError, 'internal error');
      }
      result$.subscribe({
        next: (response) => {
          if (response !== undefined && response !== null && client.readyState === WebSocket.OPEN) client.send(JSON.stringify(response));
        },
        error: (error: unknown) => {
          this.log.error(`handler for ${frame.event} failed: ${(error as Error).stack ?? String(error)}`);
          sendError(client, ErrorCode.InternalError, 'internal error');
        },
      });
    });
  }

  /**
   * Closes every socket with 1001 so clients reconnect elsewhere, then the
   * server; sockets that have not finished the closing handshake within
   * `CLOSE_GRACE_MS` are terminated.
   */
  override async close(server: WebSocketServer): Promise<void> {
    for (const socket of server.clients) socket.close(CloseCode.GoingAway, 'server shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const grace = setTimeout(() => server.clients.forEach((socket) => socket.terminate()), CLOSE_GRACE_MS);
    await closed;
    clearTimeout(grace);
  }
}

function sendError(client: WebSocket, code: string, message: string): void {
  if (client.readyState === WebSocket.OPEN) client.send(encodeFrame(ServerEvent.Error, { code, message }));
}
