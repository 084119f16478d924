import { IncomingMessage } from 'node:http';
import { Inject, Logger, OnModuleDestroy, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WsException,
} from '@nestjs/websockets';
import WebSocket, { WebSocketServer } from 'ws';
import { GROUP_BROADCASTER, GroupBroadcaster } from '../broadcaster/group-broadcaster';
import { compareIds } from '../common/notification-id';
import { broadcastGroup, roomGroup, userGroup } from '../broadcaster/groups';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { RoomRefDto, RoomSendDto } from '../rooms/rooms.dto';
import { MAX_ROOMS_PER_SOCKET, RoomsError } from '../rooms/rooms.errors';
import { NotificationsService } from '../notifications/notifications.service';
import { RoomsService } from '../rooms/rooms.service';
import { Connection } from './connection';
import { ConnectionRegistry } from './connection.registry';
import { ClientEvent, CloseCode, encodeFrame, ErrorCode, RESUME_LIMIT, ServerEvent, WS_PATH } from './protocol';
import { ResumeDto } from './resume.dto';
import { principalOf, resumeCursorOf } from './upgrade-authenticator';
import { WsConnectionGuard } from './ws-connection.guard';
import { WsErrorFilter } from './ws-error.filter';

/**
 * `GET /ws`: one authenticated socket per client. On connect the socket
 * joins its user's group and the broadcast group, then gets `ready`;
 * every frame published to those groups afterwards reaches it. Sockets
 * that miss a heartbeat pong are terminated; sockets whose token expires
 * are closed with 4401.
 *
 * Rooms ride the same socket: `room.join` subscribes it to the room's
 * group and replies `room.joined`, `room.leave` unsubscribes, `room.send`
 * (joined rooms only) stores and broadcasts; closing the socket leaves
 * every room it joined.
 *
 * Message handlers run behind `WsConnectionGuard`, a
 * ValidationPipe and `WsErrorFilter`, since global ones do not reach gateways.
 */
/** How long a new socket may wait for its group subscriptions before it is closed with 1013, in ms. */
const SUBSCRIBE_TIMEOUT_MS = 5_000;
/** Sockets caught up at once after a broadcaster outage. */
const CATCH_UP_CONCURRENCY = 8;

@WebSocketGateway({ path: WS_PATH })
@UseGuards(WsConnectionGuard)
@UseFilters(WsErrorFilter)
@UsePipes(
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new WsException({ code: ErrorCode.InvalidData, message: errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ') }),
  }),
)
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger(RealtimeGateway.name);
  private heartbeat?: NodeJS.Timeout;
  /** Broadcaster interruptions so far; a catch-up belongs to the one it follows. */
  private interruptions = 0;
  /** False from a broadcaster interruption until its subscriptions are back. */
  private subscribed = true;

  constructor(
    private readonly registry: ConnectionRegistry,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly rooms: RoomsService,
    private readonly notifications: NotificationsService,
    @Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster,
  ) {}

  async afterInit(_server: WebSocketServer): Promise<void> {
    this.heartbeat = setInterval(() => this.beat(), this.config.realtime.heartbeatMs);
    this.heartbeat.unref();
    this.broadcaster.onInterrupted(() => {
      this.interruptions++;
      this.subscribed = false;
      for (const connection of this.registry.values()) connection.interrupt();
    });
    this.broadcaster.onResubscribed(() => {
      this.subscribed = true;
      void this.catchUpAll(this.interruptions);
    });
    try {
      this.registry.highWater.raise(await this.notifications.relayedPosition());
    } catch (error) {
      this.logger.warn(`reading the relay position failed; sockets catch up from their own ids only: ${(error as Error).message}`);
    }
  }

  /**
   * After a broadcaster outage, every open socket may have missed frames:
   * replay each one's notifications from the newest id it was sent before
   * the interruption, a few sockets at a time. Until its turn, a socket
   * drops live notifications (its replay covers them).
   */
  private async catchUpAll(interruption: number): Promise<void> {
    const connections = [...this.registry.values()];
    this.logger.log(`broadcaster reconnected: catching up ${connections.length} sockets from the database`);
    const next = connections.values();
    const worker = async () => {
      for (const connection of next) {
        // A newer interruption started: its own catch-up takes over from the cursors kept on the sockets.
        if (interruption !== this.interruptions) return;
        if (connection.socket.readyState !== WebSocket.OPEN) continue;
        try {
          await this.resume(connection, undefined, interruption);
        } catch (error) {
          this.logger.warn(`catching up ${connection.principal.sub} failed: ${(error as Error).message}`);
          connection.socket.close(CloseCode.TryAgainLater, 'catch-up failed');
        }
      }
    };
    await Promise.all(Array.from({ length: CATCH_UP_CONCURRENCY }, worker));
  }

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const principal = principalOf(request);
    if (!principal) {
      // Unreachable while the adapter's upgrade check is in place; refuse rather than trust.
      socket.close(CloseCode.PolicyViolation, 'unauthenticated');
      return;
    }
    const connection = new Connection(socket, principal, this.config.realtime.maxBufferedBytes, this.registry.highWater, request.socket, this.registry.deliveries);
    this.registry.add(connection);
    socket.on('pong', () => {
      connection.alive = true;
    });
    connection.scheduleExpiry();
    try {
      await withTimeout(
        Promise.all([this.registry.join(connection, userGroup(principal.sub)), this.registry.join(connection, broadcastGroup())]),
        SUBSCRIBE_TIMEOUT_MS,
      );
    } catch (error) {
      // Without its groups the socket would miss live events: ask the client to retry rather than pretend.
      this.logger.warn(`subscribing ${principal.sub} failed: ${(error as Error).message}`);
      socket.close(CloseCode.TryAgainLater, 'broadcaster unavailable');
      return;
    }
    connection.send(encodeFrame(ServerEvent.Ready, { user: principal.sub }));
    const since = resumeCursorOf(request);
    if (since === undefined) {
      connection.goLive();
      return;
    }
    try {
      await this.resume(connection, since);
    } catch (error) {
      // A client that asked to resume must not silently miss what it asked for: let it reconnect and ask again.
      this.logger.warn(`resuming ${principal.sub} failed: ${(error as Error).message}`);
      socket.close(CloseCode.TryAgainLater, 'resume failed');
    }
  }

  /** `resume {since}`: replays the caller's notifications above `since`, in id order, then `resumed`. */
  @SubscribeMessage(ClientEvent.Resume)
  async resumeFrom(@ConnectedSocket() socket: WebSocket, @MessageBody() body: ResumeDto): Promise<void> {
    const connection = this.connectionOf(socket);
    try {
      await this.resume(connection, body.since);
    } catch (error) {
      // Live frames flowed on after the failed replay: the socket may now lack ids below its watermark.
      this.logger.warn(`resuming ${connection.principal.sub} failed: ${(error as Error).message}`);
      socket.close(CloseCode.TryAgainLater, 'resume failed');
    }
  }

  /**
   * Sends what the user missed since `since` (oldest first; `resync` and
   * the newest page when more than `RESUME_LIMIT`), then `resumed` with
   * how many were sent. A pending catch-up (broadcaster interruption)
   * starts from its own cursor when that is older. Live notifications
   * arriving meanwhile follow the replay, each id once.
   */
  private resume(connection: Connection, requested?: string, interruption?: number): Promise<void> {
    return connection.replay(async () => {
      if (interruption !== undefined && interruption !== this.interruptions) return;
      if (requested !== undefined) connection.acknowledge(requested);
      // While the broadcaster is down, a pending catch-up must wait for it: frames published until then are lost to this instance.
      const pending = this.subscribed ? connection.takeCatchUpCursor() : null;
      const since = requested === undefined || (pending !== null && compareIds(pending, requested) < 0) ? pending : requested;
      if (since === null) return;
      const { items, truncated } = await this.notifications.missedSince(connection.principal.sub, since, RESUME_LIMIT);
      if (truncated) connection.send(encodeFrame(ServerEvent.Resync, { since, limit: RESUME_LIMIT }));
      let count = 0;
      for (const item of items) if (connection.sendReplayed(item.id, encodeFrame(ServerEvent.Notification, item))) count++;
      connection.send(encodeFrame(ServerEvent.Resumed, { since, count }));
    });
  }

  async handleDisconnect(socket: WebSocket): Promise<void> {
    const connection = this.registry.get(socket);
    await this.registry.remove(socket);
    if (!connection) return;
    const rooms = [...connection.rooms];
    connection.rooms.clear();
    const results = await Promise.allSettled(rooms.map((room) => this.rooms.leave(room, connection.principal.sub, connection.id)));
    for (const result of results) {
      if (result.status === 'rejected') this.logger.warn(`leaving rooms of a closed socket failed: ${(result.reason as Error).message}`);
    }
  }

  /** `room.join {room}`: subscribes this socket to the room, then replies `room.joined {room, history, members}`. */
  @SubscribeMessage(ClientEvent.RoomJoin)
  async joinRoom(@ConnectedSocket() socket: WebSocket, @MessageBody() body: RoomRefDto): Promise<void> {
    const connection = this.connectionOf(socket);
    const { room } = body;
    const first = !connection.rooms.has(room);
    // Each room costs a group subscription and a presence entry: bound them per socket.
    if (first && connection.rooms.size >= MAX_ROOMS_PER_SOCKET) throw RoomsError.tooManyRooms();
    connection.rooms.add(room);
    await this.registry.join(connection, roomGroup(room));
    const result = first ? await this.rooms.join(room, connection.principal.sub, connection.id) : await this.rooms.snapshot(room);
    if (this.registry.get(socket) !== connection) {
      // The socket closed while joining, after its disconnect cleanup ran: undo what that cleanup missed.
      await this.registry.leave(connection, roomGroup(room));
      if (first) await this.rooms.leave(room, connection.principal.sub, connection.id);
      return;
    }
    connection.send(encodeFrame(ServerEvent.RoomJoined, { room, ...result }));
  }

  /** `room.leave {room}`: unsubscribes this socket; a no-op when it had not joined. */
  @SubscribeMessage(ClientEvent.RoomLeave)
  async leaveRoom(@ConnectedSocket() socket: WebSocket, @MessageBody() body: RoomRefDto): Promise<void> {
    const connection = this.connectionOf(socket);
    if (!connection.rooms.delete(body.room)) return;
    await this.registry.leave(connection, roomGroup(body.room));
    await this.rooms.leave(body.room, connection.principal.sub, connection.id);
  }

  /** `room.send {room, text}`: stores and broadcasts `room.message`; `not_joined` unless this socket joined the room. */
  @SubscribeMessage(ClientEvent.RoomSend)
  async sendToRoom(@ConnectedSocket() socket: WebSocket, @MessageBody() body: RoomSendDto): Promise<void> {
    const connection = this.connectionOf(socket);
    if (!connection.rooms.has(body.room)) throw RoomsError.notJoined(body.room);
    await connection.inOrder(() => this.rooms.postMessage(body.room, connection.principal.sub, body.text));
  }

  /** The guard already checked the socket is registered. */
  private connectionOf(socket: WebSocket): Connection {
    const connection = this.registry.get(socket);
    if (!connection) throw new WsException({ code: ErrorCode.Unauthorized, message: 'connection is not authenticated' });
    return connection;
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
  }

  private beat(): void {
    for (const connection of this.registry.values()) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
