import { ClientEvent } from '../realtime/protocol';
import { isRoomName, MAX_ROOM_TEXT } from '../rooms/room-name';

/** Lines typed before the room is joined that are kept for sending. */
const MAX_PENDING_LINES = 1_000;

/** What a `TerminalRoom` needs from the client around it. */
export interface TerminalRoomPort {
  /** Sends a client frame when the socket is open. */
  send(event: string, data: unknown): void;
  /** Tells the user something (a hint or a local refusal). */
  info(text: string): void;
  /** The current room changed (the prompt shows it). */
  changed(): void;
  /** Nothing waits to be sent or confirmed any more. */
  idle(): void;
}

/**
 * The room typed lines go to, and the lines on their way there. It joins
 * the room after every `ready`, keeps lines typed before `room.joined`,
 * and sends them one at a time: the next leaves when the previous came back
 * as the user's own `room.message` (or an `error` answered it), because the
 * server handles frames concurrently and two in flight could be stored out
 * of order.
 */
export class TerminalRoom {
  private current?: string;
  private online = false;
  private joined = false;
  private pending: string[] = [];
  private inFlight?: string;

  constructor(
    room: string | undefined,
    private readonly port: TerminalRoomPort,
  ) {
    this.current = room;
  }

  /** The room typed lines go to, if any. */
  get name(): string | undefined {
    return this.current;
  }

  /** Lines not sent yet or not confirmed yet. */
  get waiting(): number {
    return this.pending.length + (this.inFlight === undefined ? 0 : 1);
  }

  /** `ready` arrived on a new socket. */
  connected(): void {
    this.online = true;
    if (this.current) this.port.send(ClientEvent.RoomJoin, { room: this.current });
  }

  /** The socket dropped: the room must be joined again. */
  dropped(): void {
    this.online = false;
    this.joined = false;
    if (this.inFlight !== undefined) this.port.info('the last line sent was not confirmed before the connection dropped; it may be lost');
    this.inFlight = undefined;
  }

  /** `room.joined` arrived. */
  onJoined(room: unknown): void {
    if (room !== this.current) return;
    this.joined = true;
    this.pump();
  }

  /** `room.message` arrived; `user` is who this client is. */
  onMessage(message: { room?: unknown; sender?: unknown; text?: unknown }, user: string | undefined): void {
    if (this.inFlight !== undefined && message.room === this.current && message.sender === user && message.text === this.inFlight) this.confirm();
  }

  /** An `error` frame arrived: take it as the answer to the line in flight. */
  onError(): void {
    this.confirm();
  }

  /** `/join <room>`: leaves the current room for `room`. */
  join(room: string | undefined): void {
    if (room === undefined) return this.port.info('usage: /join <room>');
    if (!isRoomName(room)) return this.port.info(`invalid room name ${JSON.stringify(room)}: use 1-64 of A-Z a-z 0-9 _ . -; nothing sent`);
    if (room !== this.current) this.leave();
    this.current = room;
    this.port.changed();
    if (this.online) this.port.send(ClientEvent.RoomJoin, { room });
    else this.port.info(`will join ${room} once connected`);
  }

  /** `/leave`: leaves the current room, dropping the lines that wait for it. */
  leave(): void {
    if (!this.current) return;
    if (this.online) this.port.send(ClientEvent.RoomLeave, { room: this.current });
    if (this.pending.length > 0) this.port.info(`${this.pending.length} queued line(s) for ${this.current} dropped`);
    this.current = undefined;
    this.joined = false;
    this.pending = [];
    this.inFlight = undefined;
    this.port.changed();
    this.port.idle();
  }

  /** A typed line: sent to the current room now, or once it is joined. */
  say(text: string): void {
    if (!this.current) return this.port.info('not in a room, nothing sent: /join <room> first (or start with --room <room>); /help lists the commands');
    if (text.length > MAX_ROOM_TEXT) return this.port.info(`line not sent: ${text.length} characters, the limit is ${MAX_ROOM_TEXT}`);
    if (this.pending.length >= MAX_PENDING_LINES) return this.port.info(`line not sent: ${MAX_PENDING_LINES} lines already wait for ${this.current}`);
    if (!this.joined && this.pending.length === 0) this.port.info(`not in ${this.current} yet; lines wait until it is joined`);
    this.pending.push(text);
    this.pump();
  }

  private pump(): void {
    if (!this.joined || this.inFlight !== undefined) return;
    const text = this.pending.shift();
    if (text === undefined) return this.port.idle();
    this.port.send(ClientEvent.RoomSend, { room: this.current, text });
    this.inFlight = text;
  }

  private confirm(): void {
    if (this.inFlight === undefined) return;
    this.inFlight = undefined;
    this.pump();
  }
}
