import { Inject, Injectable } from '@nestjs/common';
import { BestEffortPublisher } from '../broadcaster/best-effort-publisher';
import { roomGroup } from '../broadcaster/groups';
import { encodeFrame, RoomMessageView, ServerEvent } from '../common/server-frame';
import { TransactionRunner } from '../database/transaction-runner';
import { isRoomName } from './room-name';
import { RoomMessageStore } from './room-message.store';
import { RoomHistoryPage, toRoomMessageView } from './room-message.view';
import { ROOM_PRESENCE, RoomPresence } from './room-presence';
import { RoomsError } from './rooms.errors';

/** Messages `room.joined` carries. */
export const JOIN_HISTORY = 50;

/** What a socket learns when it joins a room. */
export interface RoomJoinResult {
  /** The last `JOIN_HISTORY` messages, oldest first (ready to append to a log). */
  history: RoomMessageView[];
  /** Distinct user ids present, the joiner included, sorted. */
  members: string[];
}

/**
 * The room use cases, shared by REST and WebSocket. Messages are stored
 * first and published to the room's group after the commit; presence
 * changes are published as `room.presence`, those `RoomPresence` notices
 * on its own (an instance died) included. Transport membership (which
 * socket is subscribed) belongs to the caller.
 */
@Injectable()
export class RoomsService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly publisher: BestEffortPublisher,
    @Inject(ROOM_PRESENCE) private readonly presence: RoomPresence,
    private readonly store: RoomMessageStore,
  ) {
    // A dead instance's users expire from presence with nobody calling leave(): whoever notices tells the room.
    presence.onChange((room, user, state) => this.publishPresence(room, user, state));
  }

  /**
   * Stores a message, then pushes it as `room.message` to the room's members.
   * @throws RoomsError `room_invalid` for a bad room name.
   */
  async postMessage(room: string, sender: string, text: string): Promise<RoomMessageView> {
    assertRoom(room);
    const row = await this.transactions.run((manager) => this.store.insert(manager, { room, sender, text, createdAt: new Date() }));
    const view = toRoomMessageView(row);
    this.publish(room, encodeFrame(ServerEvent.RoomMessage, view));
    return view;
  }

  /**
   * One page of a room's history, newest first, ids below `before`.
   * @throws RoomsError `room_invalid` for a bad room name.
   */
  async history(room: string, limit: number, before: string | null): Promise<RoomHistoryPage> {
    assertRoom(room);
    const rows = await this.store.page(room, limit + 1, before);
    const page = rows.slice(0, limit);
    return { items: page.map(toRoomMessageView), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
  }

  /**
   * Records a socket of `user` in the room and, when it is the user's first,
   * publishes `room.presence` joined. Call after the socket is subscribed to
   * the room's group, so it sees its own arrival and everything after.
   */
  async join(room: string, user: string, connectionId: string): Promise<RoomJoinResult> {
    assertRoom(room);
    if (await this.presence.add(room, user, connectionId)) this.publishPresence(room, user, 'joined');
    return this.snapshot(room);
  }

  /** The room's last `JOIN_HISTORY` messages (oldest first) and its members, without joining. */
  async snapshot(room: string): Promise<RoomJoinResult> {
    assertRoom(room);
    const [rows, members] = await Promise.all([this.store.page(room, JOIN_HISTORY, null), this.presence.members(room)]);
    return { history: rows.reverse().map(toRoomMessageView), members };
  }

  /** Forgets a socket of `user` in the room; publishes `room.presence` left when it was the user's last. */
  async leave(room: string, user: string, connectionId: string): Promise<void> {
    if (await this.presence.remove(room, user, connectionId)) this.publishPresence(room, user, 'left');
  }

  private publishPresence(room: string, user: string, state: 'joined' | 'left'): void {
    this.publish(room, encodeFrame(ServerEvent.RoomPresence, { room, user, state }));
  }

  /** The row is committed: a broadcaster outage costs live delivery only; history still has it. */
  private publish(room: string, frame: string): void {
    this.publisher.publish(roomGroup(room), frame, 'a room event');
  }
}

function assertRoom(room: string): void {
  if (!isRoomName(room)) throw RoomsError.invalidRoom();
}
