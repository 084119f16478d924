import { IncomingMessage } from 'node:http';
import { Inject, Logger, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayDisconnect, SubscribeMessage, WebSocketGateway, WsException } from '@nestjs/websockets';
import WebSocket from 'ws';
import { StrictValidationPipe } from '../common/strict-validation.pipe';
import { broadcastGroup, roomGroup, userGroup } from '../broadcaster/groups';
import { withTimeout } from '../common/with-timeout';
import { HERALD_CONFIG } from '../config/config.module';
import { HeraldConfig } from '../config/herald.config';
import { PreferencesService } from '../preferences/preferences.service';
import { RoomRefDto, RoomSendDto } from '../rooms/rooms.dto';
import { MAX_ROOMS_PER_SOCKET, RoomsError } from '../rooms/rooms.errors';
import { RoomsService } from '../rooms/rooms.service';
import { AuthRefreshDto } from './auth-refresh.dto';
import { CatchUp } from './catch-up';
import { Connection } from './connection';
import { ConnectionRegistry } from './connection.registry';
import { Heartbeat } from './heartbeat';
import { LiveCounts } from './live-counts';
import { ClientEvent, CloseCode, encodeFrame, ErrorCode, ServerEvent, WS_PATH } from './protocol';
import { ResumeDto } from './resume.dto';
import { TokenRefreshService } from './token-refresh.service';
import { principalOf, resumeCursorOf } from './upgrade-authenticator';
import { WsConnectionGuard } from './ws-connection.guard';
import { WsErrorFilter } from './ws-error.filter';

/** How long a new socket may wait for its group subscriptions before it is closed with 1013, in ms. */
const SUBSCRIBE_TIMEOUT_MS = 5_000;

/**
 * `GET /ws`: one authenticated socket per client. On connect the socket
 * joins its user's group and the broadcast group, then gets `ready`;
 * every frame published to those groups afterwards reaches it (replays:
 * `CatchUp`; liveness: `Heartbeat`; token expiry: 4401).
 *
 * Rooms ride the same socket: `room.join` subscribes it to the room's
 * group and replies `room.joined`, `room.leave` unsubscribes, `room.send`
 * (joined rooms only) stores and broadcasts; closing the socket leaves
 * every room it joined.
 *
 * Message handlers run behind `WsConnectionGuard`, a ValidationPipe and
 * `WsErrorFilter`, since global ones do not reach gateways.
 */
@WebSocketGateway({ path: WS_PATH })
@UseGuards(WsConnectionGuard)
@UseFilters(WsErrorFilter)
@UsePipes(
  new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) =>
      new WsException({ code: ErrorCode.InvalidData, message: errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ') }),
  }),
)
export class RealtimeGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(RealtimeGateway.name);

  constructor(
    private readonly registry: ConnectionRegistry,
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly rooms: RoomsService,
    private readonly catchUp: CatchUp,
    private readonly heartbeat: Heartbeat,
    private readonly tokenRefresh: TokenRefreshService,
    private readonly liveCounts: LiveCounts,
    private readonly preferences: PreferencesService,
  ) {}

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const principal = principalOf(request);
    if (!principal) {
      // Unreachable while the adapter's upgrade check is in place; refuse rather than trust.
      socket.close(CloseCode.PolicyViolation, 'unauthenticated');
      return;
    }
    const connection = new Connection(
      socket,
      principal,
      this.config.realtime.maxBufferedBytes,
      this.registry.highWater,
      request.socket,
      this.registry.deliveries,
      (gapped) => this.catchUp.fill(gapped),
    );
    connection.countsChanged = () => this.liveCounts.schedule(connection);
    connection.notificationAdded = (position, frame) => this.liveCounts.added(connection, position, frame);
    // The counts after a preference change follow the new mutes, so a client sees when they apply.
    connection.preferencesChanged = () => void this.loadMutes(connection).then(() => this.liveCounts.schedule(connection));
    this.registry.add(connection);
    this.catchUp.admit(connection);
    this.heartbeat.watch(connection);
    try {
      const groups = [userGroup(principal.sub), broadcastGroup()];
      // Mutes load beside the subscriptions, so broadcasts after `ready` already honour them.
      await withTimeout(Promise.all([...groups.map((group) => this.registry.join(connection, group)), this.loadMutes(connection)]), SUBSCRIBE_TIMEOUT_MS);
    } catch (error) {
      // Without its groups the socket would miss live events: ask the client to retry rather than pretend.
      this.logger.warn(`subscribing ${principal.sub} failed: ${(error as Error).message}`);
      socket.close(CloseCode.TryAgainLater, 'broadcaster unavailable');
      return;
    }
    const sendReady = () => {
      connection.send(encodeFrame(ServerEvent.Ready, { user: principal.sub }));
      // After ready, so that no auth.expiring comes first.
      connection.scheduleExpiry();
    };
    const since = resumeCursorOf(request);
    if (since === undefined) {
      await this.catchUp.start(connection, sendReady);
      return;
    }
    sendReady();
    await this.resume(connection, since);
  }

  /** `resume {since}`: replays the caller's notifications above `since`, in id order, then `resumed`. */
  @SubscribeMessage(ClientEvent.Resume)
  async resumeFrom(@ConnectedSocket() socket: WebSocket, @MessageBody() body: ResumeDto): Promise<void> {
    await this.resume(this.connectionOf(socket), body.since);
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

  /** `auth.refresh {token}`: a fresh token for this socket's user moves its expiry; the reply is `auth.refreshed {exp}`. */
  @SubscribeMessage(ClientEvent.AuthRefresh)
  refreshToken(@ConnectedSocket() socket: WebSocket, @MessageBody() body: AuthRefreshDto): Promise<void> {
    return this.tokenRefresh.refresh(this.connectionOf(socket), body.token);
  }

  /** A replay the client asked for; when it fails the socket may lack what it asked for, so it is closed with 1013 to reconnect and ask again. */
  private async resume(connection: Connection, since: string): Promise<void> {
    try {
      await this.catchUp.resume(connection, since);
      // After `resumed`: what changed while the client was away shows in its counts at once.
      this.liveCounts.schedule(connection);
    } catch (error) {
      this.logger.warn(`resuming ${connection.principal.sub} failed: ${(error as Error).message}`);
      connection.socket.close(CloseCode.TryAgainLater, 'resume failed');
    }
  }

  /** Reads the user's muted categories onto the connection; a database error leaves the previous ones (logged), never fails the socket. */
  private async loadMutes(connection: Connection): Promise<void> {
    try {
      connection.mutedCategories = await this.preferences.muted(connection.principal.sub);
    } catch (error) {
      this.logger.warn(`reading the muted categories of ${connection.principal.sub} failed: ${(error as Error).message}`);
    }
  }

  /** The guard already checked the socket is registered. */
  private connectionOf(socket: WebSocket): Connection {
    const connection = this.registry.get(socket);
    if (!connection) throw new WsException({ code: ErrorCode.Unauthorized, message: 'connection is not authenticated' });
    return connection;
  }
}
